// Parses each AsyncAPI document named on the command line with the official parser (@asyncapi/parser) and prints
// every diagnostic it gives. Exits 1 when a document does not parse or has a diagnostic of severity error (0) or
// warning (1); information (2) and hints (3) are printed only. Run from the folder the parser is installed in.
import { Parser } from '@asyncapi/parser';
import fs from 'node:fs';

const parser = new Parser();
const severities = ['error', 'warning', 'information', 'hint'];
let failed = 0;
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(fs.readFileSync(file, 'utf8'));
  for (const d of diagnostics) {
    console.log(`${file}: ${severities[d.severity] ?? d.severity} ${d.code}: ${d.message} at ${JSON.stringify(d.path)}`);
  }
  const bad = diagnostics.filter(d => d.severity <= 1).length;
  console.log(`${file}: ${document ? 'parsed' : 'NOT PARSED'}, ${bad} errors and warnings`);
  if (!document || bad > 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
