import { describe, expect, it } from 'vitest';
import { bicepFilesUnder, loadBicep, parseBicep, syntaxProblems } from './bicep.js';

describe('infra/**/*.bicep parse with the tree-sitter Bicep grammar', () => {
  const files = bicepFilesUnder('infra');

  it('finds main.bicep and its modules', () => {
    expect(files).toContain('infra/main.bicep');
    expect(files.filter((file) => file.startsWith('infra/modules/')).length).toBeGreaterThanOrEqual(6);
  });

  it.each(files)('%s has no ERROR or MISSING node', async (path) => {
    expect(syntaxProblems(await loadBicep(path))).toEqual([]);
  });

  it('fails a real file with one closing brace removed, naming its path', async () => {
    const real = await loadBicep('infra/modules/storage.bicep');
    const broken = await parseBicep(
      real.text.replace(/\n {4}publicAccess: 'None'\n {2}\}/, "\n    publicAccess: 'None'"),
      real.path,
    );
    const problems = syntaxProblems(broken);
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems)
      expect(problem).toMatch(/^infra\/modules\/storage\.bicep:\d+:\d+: (ERROR|MISSING) /);
  });

  it('reports broken Bicep as file:line:col', async () => {
    const missingBrace = await parseBicep(
      "param name string\nresource site 'Microsoft.Web/sites@2024-04-01' = {\n",
      'a.bicep',
    );
    expect(syntaxProblems(missingBrace)).toEqual([expect.stringMatching(/^a\.bicep:2:51: MISSING \}/)]);

    const badType = await parseBicep('param location strin g\n', 'b.bicep');
    expect(syntaxProblems(badType)).toEqual([expect.stringMatching(/^b\.bicep:1:22: ERROR near "g"/)]);
  });
});
