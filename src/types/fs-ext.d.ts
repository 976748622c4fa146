// Types for the part of fs-ext (native flock) that Strata uses.
declare module 'fs-ext' {
  type FlockFlags = 'sh' | 'ex' | 'shnb' | 'exnb' | 'un';
  const fsExt: {
    flockSync(fd: number, flags: FlockFlags): void;
    flock(fd: number, flags: FlockFlags, callback: (error: NodeJS.ErrnoException | null) => void): void;
  };
  export default fsExt;
}
