"""The embedded AWS emulator (moto's server, in-process) and the extensions that close moto's gaps.

Only this package may import moto. Code that talks to AWS (candlefish_ops/aws/) stays exactly what runs
against a real account; the gaps are closed here, inside the emulator.
"""
