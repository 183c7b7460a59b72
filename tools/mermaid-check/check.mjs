// Parses each Mermaid file named on the command line with Mermaid's own parser; exits 1 naming
// the first file that does not parse, 0 when every one is a valid diagram.
import mermaid from 'mermaid';
import { readFileSync } from 'node:fs';

let bad = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  try {
    const r = await mermaid.parse(text);
    console.log(`${file}: ${r.diagramType}`);
  } catch (e) {
    console.error(`${file}: not a valid Mermaid diagram: ${e.message}`);
    bad++;
  }
}
process.exit(bad ? 1 : 0);
