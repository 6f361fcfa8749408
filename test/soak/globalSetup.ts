import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Builds what `npm start` runs (`dist/`), since the soak runs it as a child process; Azurite is the soak's own. */
export default function setup(): void {
  execFileSync('npm', ['run', 'build'], { cwd: fileURLToPath(new URL('../../', import.meta.url)), stdio: 'pipe' });
}
