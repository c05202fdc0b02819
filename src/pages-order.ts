/** The order of the pages: frontmatter `order`, then title. A new MDX file in docs/ joins by itself. */
export function sortedPages<T extends { id: string; data: { order: number; title: string } }>(pages: T[]): T[] {
  return [...pages].sort((a, b) => a.data.order - b.data.order || a.data.title.localeCompare(b.data.title));
}

/** The URL of a page of the docs collection (`index` is the home page). */
export function pageHref(id: string): string {
  return id === 'index' ? '/' : `/${id}/`;
}
