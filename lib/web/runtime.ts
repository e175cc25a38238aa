/// <reference lib="dom" />
import { type ComponentType, h, hydrate } from "preact";
import { type IslandPayload, reviveProps } from "./serialize.ts";

interface FoundIsland {
  name: string;
  index: number;
  start: Comment;
  end: Comment;
}

const START = "frsh:island:";
const END = "/frsh:island";

/** Hydrates every top-level island of the page between its server-rendered markers. */
// deno-lint-ignore no-explicit-any
export function boot(islands: Record<string, ComponentType<any>>, payload: IslandPayload): void {
  const props = reviveProps(payload);
  for (const found of findIslands(document.body)) {
    const component = islands[found.name];
    const parent = found.start.parentNode;
    if (!component || !parent) continue;
    hydrate(
      h(component, props[found.index] as Record<string, unknown>),
      rootBetween(parent, found.start, found.end) as unknown as Element,
    );
  }
}

function findIslands(root: Node): FoundIsland[] {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_COMMENT);
  const open: Omit<FoundIsland, "end">[] = [];
  const found: FoundIsland[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const comment = node as Comment;
    if (comment.data.startsWith(START)) {
      const [name, index] = comment.data.slice(START.length).split(":");
      open.push({ name, index: Number(index), start: comment });
    } else if (comment.data === END) {
      const start = open.pop();
      if (start && open.length === 0) found.push({ ...start, end: comment });
    }
  }
  return found;
}

/** A stand-in parent that shows Preact only the nodes between two markers. */
function rootBetween(parent: Node, start: Comment, end: Comment) {
  const children = () => {
    const nodes: ChildNode[] = [];
    for (let node = start.nextSibling; node && node !== end; node = node.nextSibling) {
      nodes.push(node);
    }
    return nodes;
  };
  return {
    nodeType: 1,
    parentNode: parent,
    nextSibling: null,
    ownerDocument: parent.ownerDocument,
    namespaceURI: (parent as Element).namespaceURI,
    get firstChild() {
      return children()[0] ?? null;
    },
    get childNodes() {
      return children();
    },
    insertBefore(node: Node, before: Node | null) {
      return parent.insertBefore(node, before ?? end);
    },
    appendChild(node: Node) {
      return parent.insertBefore(node, end);
    },
    removeChild(node: Node) {
      return parent.removeChild(node);
    },
    contains(node: Node) {
      return children().some((child) => child === node || child.contains(node));
    },
  };
}
