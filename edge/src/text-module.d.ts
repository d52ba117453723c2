// Files ending in .txt are imported as text (Bun's default loader, wrangler's default Text rule).
declare module "*.txt" {
  const text: string;
  export default text;
}
