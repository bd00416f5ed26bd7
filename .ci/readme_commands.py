"""Print the README's two shell commands (the ```bash blocks of "Two commands"), one a line."""

import re
from pathlib import Path

text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
section = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
for block in re.findall(r"```bash\n(.*?)```", section, re.S):
    print(" ".join(line.strip() for line in block.strip().splitlines()))
