"""The embedded AWS emulator: moto's server, with what candlefish needs of AWS's behaviour added.

Only this package may import moto. Code that talks to AWS (candlefish_ops/aws/) stays exactly what runs
against a real account; the gaps are closed here, inside the emulator:
- `moto/`: the fixes to moto (`moto/extensions/`), every private access behind `moto/compat.py`, which also
  refuses a moto other than the one they were written for;
- `seed/`: emulated data (bills, metrics, the WAF ledger) put into a running emulator after a deploy;
- `emulator.py` (the server), `daemon.py` and `journal.py` (`candlefish local up`: a background emulator
  whose state is a journal of requests, replayed on start).
Outside this package only the CLI's --local step (candlefish_ops/cli/local_step.py) and `cli/local.py` import it.
See docs/local.md.
"""
