"""Write README.md from nbs/index.ipynb without Quarto (nbdev_readme needs Quarto).

Usage: python tools/make_readme.py [--check]
Markdown cells are copied; code cells become ```python blocks followed by their saved outputs
(text, markdown, PNG images saved to index_files/; pandas HTML tables become Markdown tables, which a code
host renders, while the docs keep the HTML). A leading jupytext header cell (`# ---` / `# jupyter:`) is skipped. Cells marked `#| hide`,
`#| include: false` or `#| echo: false` (code only) follow nbdev's meaning. With --check, exit 1 if
README.md differs from what would be written (CI uses this).
"""
import base64, json, re, sys
from html.parser import HTMLParser
from pathlib import Path

root = Path(__file__).resolve().parents[1]
opt_re = re.compile(r'^#\|\s*([\w-]+)(?::\s*(.*))?$')

def cell_opts(src):
    lines, opts = src.splitlines(), {}
    while lines and (m := opt_re.match(lines[0].strip())):
        opts[m.group(1)] = (m.group(2) or 'true').strip().lower(); lines.pop(0)
    return opts, '\n'.join(lines).strip('\n')

class _Table(HTMLParser):
    "The rows of the first HTML table: per row, its section (thead/tbody) and cells (text, colspan, rowspan)"
    def __init__(self):
        super().__init__(); self.rows, self.sec, self.cell, self.done = [], 'tbody', None, False
    def handle_starttag(self, tag, attrs):
        if self.done: return
        a = dict(attrs)
        if tag in ('thead', 'tbody'): self.sec = tag
        elif tag == 'tr': self.rows.append((self.sec, []))
        elif tag in ('th', 'td') and self.rows: self.cell = ['', int(a.get('colspan') or 1), int(a.get('rowspan') or 1)]
    def handle_endtag(self, tag):
        if tag == 'table': self.done = True
        elif tag in ('th', 'td') and self.cell is not None: self.rows[-1][1].append(tuple(self.cell)); self.cell = None
    def handle_data(self, data):
        if self.cell is not None: self.cell[0] += data

def html_table_md(html:str):
    "A pandas HTML table as a Markdown table (column levels joined by ' · ', spanned index cells repeated); None if no table"
    p = _Table(); p.feed(html)
    if not p.rows: return None
    grid, carry = [], {}
    for sec, cells in p.rows:
        row, it = [], iter(cells)
        while True:
            while len(row) in carry:
                txt, left = carry[len(row)]; row.append(txt)
                if left > 1: carry[len(row) - 1] = (txt, left - 1)
                else: del carry[len(row) - 1]
            c = next(it, None)
            if c is None: break
            txt, cs, rs = ' '.join(c[0].split()), c[1], c[2]
            for _ in range(cs):
                if rs > 1: carry[len(row)] = (txt, rs - 1)
                row.append(txt)
        grid.append((sec, row))
    head = [r for s, r in grid if s == 'thead'] or grid[:1]
    body = [r for s, r in grid if s != 'thead'] if any(s == 'thead' for s, _ in grid) else grid[1:]
    n = max(len(r) for _, r in grid)
    names = [' · '.join(dict.fromkeys(h[j] for h in head if j < len(h) and h[j])) for j in range(n)]
    esc = lambda t: t.replace('|', '\\|')
    lines = ['| ' + ' | '.join(esc(x) for x in names) + ' |', '|' + '---|' * n]
    lines += ['| ' + ' | '.join(esc(x) for x in r + [''] * (n - len(r))) + ' |' for r in body]
    return '\n'.join(lines)

def _jupytext_header(code): return code.startswith('# ---') and '# jupyter:' in code

def render(nb_path=root/'nbs'/'index.ipynb'):
    nb = json.loads(Path(nb_path).read_text())
    out, images, n_img = [], {}, 0
    for i, c in enumerate(nb['cells']):
        src = ''.join(c['source'])
        if c['cell_type'] == 'markdown': out.append(src.strip()); continue
        if c['cell_type'] != 'code': continue
        opts, code = cell_opts(src)
        if opts.get('hide') == 'true' or opts.get('include') == 'false' or _jupytext_header(code): continue
        if code and opts.get('echo') != 'false': out.append(f'```python\n{code}\n```')
        if opts.get('output') == 'false': continue
        for o in c.get('outputs', []):
            if o['output_type'] == 'stream': out.append('```\n' + ''.join(o['text']).rstrip() + '\n```')
            elif o['output_type'] in ('execute_result', 'display_data'):
                d = o['data']
                if 'image/png' in d:
                    n_img += 1; name = f'index_files/figure-commonmark/cell-{i}-output-{n_img}.png'
                    images[name] = base64.b64decode(''.join(d['image/png'])); out.append(f'![]({name})')
                elif 'text/markdown' in d: out.append(''.join(d['text/markdown']).strip())
                elif 'text/html' in d:
                    h = ''.join(d['text/html']).strip()
                    out.append(html_table_md(h) if '<table' in h and html_table_md(h) else h)
                elif 'text/plain' in d: out.append('```\n' + ''.join(d['text/plain']).rstrip() + '\n```')
    text = '# ' + _title(nb) + '\n\n' if not any(x.startswith('# ') for x in out[:1]) else ''
    # the title, the summary and the question come first; the generator's note goes at the end (invisible when rendered)
    text = text + '\n\n'.join(out) + '\n\n<!-- WARNING: THIS FILE WAS AUTOGENERATED from nbs/index.ipynb by tools/make_readme.py. DO NOT EDIT. -->\n'
    return text, images

def _title(nb): return 'sparsepriv'

if __name__ == '__main__':
    text, images = render()
    readme = root/'README.md'
    if '--check' in sys.argv:
        ok = readme.exists() and readme.read_text() == text
        ok = ok and all((root/k).exists() and (root/k).read_bytes() == v for k, v in images.items())
        if not ok: print('README.md is out of date: run `python tools/make_readme.py` and commit the result.'); sys.exit(1)
        print('README.md is up to date with nbs/index.ipynb'); sys.exit(0)
    for k, v in images.items(): (root/k).parent.mkdir(parents=True, exist_ok=True); (root/k).write_bytes(v)
    readme.write_text(text); print(f'wrote README.md ({len(text)} chars, {len(images)} images)')
