// Redis scripts are imported as text (bunfig.toml [loader], wrangler [[rules]] Text).
declare module "*.lua" {
  const source: string;
  export default source;
}
