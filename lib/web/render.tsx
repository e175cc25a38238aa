import {
  type ComponentChildren,
  type ComponentType,
  createContext,
  Fragment,
  h,
  options,
  type VNode,
} from "preact";
import { useContext } from "preact/hooks";
import { renderToString } from "preact-render-to-string";
import { PropsSerializer, stringifyForScript } from "./serialize.ts";
import type { AppProps, PageProps } from "./types.ts";

/** An island as the server knows it: its name, its component and its chunk once bundled. */
export interface IslandEntry {
  name: string;
  file: string;
  // deno-lint-ignore no-explicit-any
  component: ComponentType<any>;
}

/** Where the browser finds the runtime and each island's chunk. */
export interface ScriptUrls {
  runtime: string;
  islands: Map<string, string>;
}

interface RenderContext {
  serializer: PropsSerializer;
  islandNames: string[];
  head: ComponentChildren[];
  asset: (path: string) => string;
}

const islandsByComponent = new Map<ComponentType, IslandEntry>();
let current: RenderContext | undefined;
let creatingPlain = false;

/** Marks each default export of `islands/` so that rendering it leaves markers and props. */
export function registerIslands(islands: IslandEntry[]): void {
  for (const island of islands) islandsByComponent.set(island.component, island);
}

const InsideIsland = createContext(false);

interface WrapperProps {
  island: IslandEntry;
  props: Record<string, unknown>;
  islandKey: unknown;
}

function IslandWrapper({ island, props, islandKey }: WrapperProps) {
  const nested = useContext(InsideIsland);
  creatingPlain = true;
  const plain = h(island.component, props);
  creatingPlain = false;
  if (nested || !current) return plain;
  const index = current.serializer.add(island.name, props);
  current.islandNames.push(island.name);
  const key = islandKey == null ? "" : String(islandKey);
  return h(
    InsideIsland.Provider,
    { value: true },
    comment(`frsh:island:${island.name}:${index}:${key}`),
    plain,
    comment("/frsh:island"),
  );
}

/** preact-render-to-string writes a Fragment with this prop as an HTML comment. */
function comment(text: string): VNode {
  return h(Fragment, { UNSTABLE_comment: text } as Record<string, unknown>);
}

const previousVnodeHook = options.vnode;
options.vnode = (vnode: VNode) => {
  const type = vnode.type as ComponentType;
  const island = typeof type === "function" && !creatingPlain
    ? islandsByComponent.get(type)
    : undefined;
  if (island) {
    const wrapped = vnode as unknown as { type: unknown; props: WrapperProps };
    wrapped.props = { island, props: vnode.props as Record<string, unknown>, islandKey: vnode.key };
    wrapped.type = IslandWrapper;
  }
  previousVnodeHook?.(vnode);
};

/** Children of `<Head>` go at the top of the page's `<head>`, so a page's `<title>` wins. */
export function Head({ children }: { children?: ComponentChildren }): null {
  current?.head.push(children);
  return null;
}

/** A static file's URL with its content hash, which the server answers with immutable caching. */
export function asset(path: string): string {
  return current ? current.asset(path) : path;
}

export interface RenderPageOptions<Data> {
  app?: ComponentType<AppProps>;
  page: ComponentType<PageProps<Data>>;
  props: PageProps<Data>;
  scripts?: ScriptUrls;
  nonce: string;
  asset: (path: string) => string;
}

export interface RenderedPage {
  html: string;
  hasScript: boolean;
}

/** Renders a page inside `_app` to a full HTML document, with one boot script if islands ran. */
export function renderPage<Data>(options: RenderPageOptions<Data>): RenderedPage {
  const context: RenderContext = {
    serializer: new PropsSerializer(),
    islandNames: [],
    head: [],
    asset: options.asset,
  };
  const previous = current;
  current = context;
  let body: string;
  let head = "";
  try {
    const { page: Page, props, app: App } = options;
    const Component = () => h(Page, props);
    const appProps: AppProps = { Component, state: props.state, url: props.url };
    const tree = App ? h(App, appProps) as VNode : h(Component, {});
    body = renderToString(tree);
    if (context.head.length > 0) head = renderToString(h(Fragment, null, context.head));
  } finally {
    current = previous;
  }
  let html = head ? insertAfterHeadOpen(body, head) : body;
  const script = context.islandNames.length > 0 && options.scripts
    ? bootScript(context, options.scripts, options.nonce)
    : "";
  if (script) html = insertBeforeBodyClose(html, script);
  return { html: `<!DOCTYPE html>${html}`, hasScript: script !== "" };
}

function bootScript(context: RenderContext, scripts: ScriptUrls, nonce: string): string {
  const names = [...new Set(context.islandNames)];
  const imports = names.map((name, i) => {
    const url = scripts.islands.get(name);
    if (!url) throw new Error(`Island "${name}" is missing from the bundle`);
    return `import i${i} from ${JSON.stringify(url)};`;
  });
  const registry = names.map((name, i) => `${JSON.stringify(name)}:i${i}`).join(",");
  const payload = stringifyForScript(context.serializer.payload());
  return `<script type="module" nonce="${nonce}">import{boot}from${
    JSON.stringify(scripts.runtime)
  };${imports.join("")}boot({${registry}},${payload});</script>`;
}

function insertAfterHeadOpen(html: string, content: string): string {
  const match = /<head(\s[^>]*)?>/i.exec(html);
  if (!match) return content + html;
  const at = match.index + match[0].length;
  return html.slice(0, at) + content + html.slice(at);
}

function insertBeforeBodyClose(html: string, content: string): string {
  const at = html.lastIndexOf("</body>");
  return at === -1 ? html + content : html.slice(0, at) + content + html.slice(at);
}
