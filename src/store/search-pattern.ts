// A LIKE pattern that finds `text` anywhere, its own `%`, `_` and `\` escaped (use with
// `escape '\'`), so a search for "50%" means the characters, on both databases.
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}
