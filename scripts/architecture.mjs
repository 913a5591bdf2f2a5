// The README's architecture section, rendered from test/layers.json (the description the layering
// test enforces). `node scripts/architecture.mjs` prints it; `--write` replaces it in README.md.
import { readFileSync, writeFileSync } from 'node:fs';

export const START = '<!-- architecture: generated from test/layers.json by `node scripts/architecture.mjs --write`; test/layering.test.ts checks it -->';
export const END = '<!-- architecture: end -->';

/** The section's Markdown for `layers` (the parsed test/layers.json). */
export function renderArchitecture(layers) {
  const code = (s) => `\`${s}\``;
  const rows = Object.entries(layers.parts).map(([part, p]) =>
    `| ${code(part)}${p.planned ? ' (planned)' : ''} | ${p.what} | ${p.imports.length ? p.imports.map(code).join(' ') : '—'} |`);
  const hops = ['| # | module | does | next hop |', '|---|---|---|---|',
    ...layers.request.hops.map(([file, does, next], i) => `| ${i + 1} | ${code(file)} | ${does.replace(/</g, '&lt;')} | ${next} |`)];
  const libs = Object.entries(layers.libraries).map(([lib, owners]) => `${code(lib)} → ${owners.map(code).join(', ')}`);
  const priv = Object.entries(layers.private).map(([mod, users]) => `${code(mod)} (only ${users.map(code).join(', ')})`);
  return [
    START,
    '',
    'Each part below may import only the parts in its row (test/layering.test.ts checks every import):',
    '',
    '| part | what | may import |',
    '|---|---|---|',
    ...rows,
    '',
    'The path of one `<open>` down to the helper; the answer comes back the same way (decoded by the helper',
    'client, checked, hashed and audited by io, returned as the JSON-RPC result that tag mode renders as a',
    '`=== FILE: … ===` block). "Next hop" says whether a module reaches the next by its own import or why not:',
    '',
    ...hops,
    '',
    `Third-party libraries and the only modules that may import them: ${libs.join('; ')}.`,
    `Private modules: ${priv.join('; ')}.`,
    '',
    END,
  ].join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const layers = JSON.parse(readFileSync('test/layers.json', 'utf8'));
  const text = renderArchitecture(layers);
  if (process.argv.includes('--write')) {
    const readme = readFileSync('README.md', 'utf8');
    const a = readme.indexOf(START);
    const b = readme.indexOf(END);
    if (a < 0 || b < a) throw new Error('README.md has no architecture markers');
    writeFileSync('README.md', readme.slice(0, a) + text + readme.slice(b + END.length));
  } else {
    process.stdout.write(`${text}\n`);
  }
}
