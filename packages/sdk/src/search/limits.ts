/** Search limits an application needs without loading the index (MiniSearch loads on sign-in). */

/** The longest query (UTF-16 code units): longer is refused with PAYLOAD_TOO_LARGE (docs/SEARCH.md). */
export const SEARCH_QUERY_MAX = 256;
