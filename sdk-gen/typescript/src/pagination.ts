/** One page of a list endpoint: `{data, list_metadata: {before, after}}`. */
export interface Page<T> {
  data: T[];
  list_metadata: { after?: string | null };
}

/** Yields every item of a list endpoint, following `after=list_metadata.after` until it is null.
 * `fetchPage(after)` fetches one page, e.g. `(after) => unwrap(gh.GET("/organizations", {params: {query: {after}}}))`. */
export async function* paginate<T>(fetchPage: (after: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let after: string | undefined;
  for (;;) {
    const page = await fetchPage(after);
    yield* page.data;
    if (!page.list_metadata.after) {
      return;
    }
    after = page.list_metadata.after;
  }
}
