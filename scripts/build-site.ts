// `npm run build`: builds the site into a folder next to dist/ and swaps it in only when the whole
// build succeeded, so a server running meanwhile keeps serving every page, and a failed build
// leaves the last good site in place.
import path from 'node:path';
import { projectRoot } from '../server/config.ts';
import { buildSite } from '../server/site-build.ts';

const siteDir = path.join(projectRoot, 'dist');
try {
  await buildSite(siteDir, (line) => console.log(line));
} catch (e) {
  console.error(`${(e as Error).message}; ${path.relative(projectRoot, siteDir)}/ is left as it was.`);
  process.exit(1);
}
