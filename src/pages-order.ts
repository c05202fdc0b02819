import { folderOf, sectionOf, type Section } from './sections.ts';

type Page = { id: string; data: { order: number; title: string } };

/**
 * The order of the pages: their section (top-level pages first, then each folder by its
 * `_section.json` order and title), then frontmatter `order`, then title. A new MDX file joins by itself.
 */
export function sortedPages<T extends Page>(pages: T[]): T[] {
  return sidebarGroups(pages).flatMap((g) => g.pages);
}

/** The sidebar's groups in order, each with its pages in order. */
export function sidebarGroups<T extends Page>(pages: T[]): Array<Section & { pages: T[] }> {
  const groups = new Map<string, Section & { pages: T[] }>();
  for (const p of pages) {
    const folder = folderOf(p.id);
    if (!groups.has(folder)) groups.set(folder, { ...sectionOf(folder), pages: [] });
    groups.get(folder)!.pages.push(p);
  }
  const sorted = [...groups.values()].sort((a, b) => a.order - b.order || a.title.localeCompare(b.title));
  for (const g of sorted) g.pages.sort((a, b) => a.data.order - b.data.order || a.data.title.localeCompare(b.data.title));
  return sorted;
}

/** The URL of a page of the docs collection (`index` is the home page). */
export function pageHref(id: string): string {
  return id === 'index' ? '/' : `/${id}/`;
}
