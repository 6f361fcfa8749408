import { describe, expect, it } from 'vitest';
import { bicepFilesUnder, loadBicep, parseBicep, parseBicepParams, readRepoFile, syntaxProblems } from './bicep.js';

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

describe('infra/*.bicepparam parse as parameter files', () => {
  const paramFiles = bicepFilesUnder('infra', '.bicepparam');

  it('finds the dev and prod parameter files', () => {
    expect(paramFiles).toEqual(['infra/dev.bicepparam', 'infra/prod.bicepparam']);
  });

  it.each(paramFiles)('%s has no ERROR or MISSING node', async (path) => {
    expect(syntaxProblems(await parseBicepParams(readRepoFile(path), path))).toEqual([]);
  });

  it('needs the param-as-var reading: the grammar alone refuses an untyped assignment', async () => {
    const text = "using 'main.bicep'\nparam location = 'swedencentral'\n";
    expect(syntaxProblems(await parseBicep(text, 'raw.bicepparam'))).not.toEqual([]);
    expect(syntaxProblems(await parseBicepParams(text, 'read.bicepparam'))).toEqual([]);
  });

  it('reports a broken parameter file at its own line and column', async () => {
    const broken = await parseBicepParams(
      "using 'main.bicep'\n\nparam location = 'swedencentral'\nparam mailFrom = readEnvironmentVariable('MAIL_FROM'\n",
      'broken.bicepparam',
    );
    expect(syntaxProblems(broken)).toEqual([expect.stringMatching(/^broken\.bicepparam:4:\d+: MISSING \)/)]);
  });
});
