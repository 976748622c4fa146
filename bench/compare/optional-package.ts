/**
 * Peers' client packages (better-sqlite3, nats) are not dependencies of Strata: the bench loads
 * them with a dynamic import and skips the peer, with a line saying how to install it, when the
 * package is missing. The specifier goes through a variable so TypeScript does not need the
 * package's types to build (CI does not install the peers).
 */

export const INSTALL_HINT = 'install the peers with: bash tools/install-bench-peers.sh';

/** The package's module, or null when it is not installed. */
export async function importOptional<T>(name: string): Promise<T | null> {
  const specifier: string = name;
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return null;
    throw error;
  }
}
