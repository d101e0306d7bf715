declare module "virtual:messages" { const m: Record<string, Record<string, string>>; export default m; }
