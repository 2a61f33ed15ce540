// picomatch ships no types; the oracle uses only this.
declare module "picomatch" {
  function picomatch(glob: string, options?: { dot?: boolean }): (path: string) => boolean;
  export default picomatch;
}
