import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import process from 'node:process';
import { openApiFilePath, renderOpenApiFile } from './openApiFile.js';

// `npm run openapi`: npm runs scripts from the package root, so the path is resolved against the working directory.
const target = resolve(process.cwd(), openApiFilePath);
await writeFile(target, await renderOpenApiFile(target));
console.log(`Wrote ${openApiFilePath}`);
