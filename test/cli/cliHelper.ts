import { main } from '../../src/cli/main';

/** Runs the CLI in-process; returns exit code, stdout and stderr. */
export async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}
