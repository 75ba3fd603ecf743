// Where the sign-in page may send the user afterwards: a path on this site, nothing else.

/**
 * ``next`` when it is a local path ("/units?x=1"), else null: never another site (a
 * scheme-relative "//host", a "/\\host", an absolute URL), a script ("javascript:..."),
 * or a path with control characters or backslashes (browsers drop tabs and newlines and
 * read "\\" as "/", which would turn "/\t/host" into "//host").
 */
export function localPath(next) {
  if (typeof next !== "string" || next.length > 2048) return null;
  if (!next.startsWith("/") || next.startsWith("//")) return null;
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return null;
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return null;
  }
  if (url.origin !== location.origin) return null;
  return url.pathname + url.search + url.hash;
}
