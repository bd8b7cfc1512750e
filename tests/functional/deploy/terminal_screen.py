"""A tiny terminal for tests: enough of VT100 to see what rich's Live leaves on the screen."""

import re

class Screen:
    """The few control sequences rich's Live uses: text, \\r, \\n, ESC[nA (up), ESC[2K (erase line),
    ESC[?25l/h (cursor), SGR colours (ignored). Lines scrolled off stay (a scrollback)."""
    TOKEN = re.compile(r"\x1b\[(\??[0-9;]*)([A-Za-z])|\r|\n|[^\x1b\r\n]+")

    def __init__(self):
        self.lines, self.row, self.col = [""], 0, 0

    def feed(self, text):
        for m in self.TOKEN.finditer(text):
            tok = m.group(0)
            if tok == "\n":
                self.row += 1; self.col = 0
                if self.row == len(self.lines): self.lines.append("")
            elif tok == "\r":
                self.col = 0
            elif m.group(2):
                arg, cmd = m.group(1), m.group(2)
                if cmd == "A": self.row = max(0, self.row - int(arg or 1))
                elif cmd == "K": self.lines[self.row] = ""
                elif cmd == "B": self.row += int(arg or 1)
            else:
                line = self.lines[self.row]
                line = line.ljust(self.col)
                self.lines[self.row] = line[:self.col] + tok + line[self.col + len(tok):]
                self.col += len(tok)
        return self
