// The page's one element lookup, shared by main.ts and the modules that draw into the page.
export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
