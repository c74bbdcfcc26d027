// What rss-parser and @extractus/feed-extractor make of a feed file: JSON on stdout.
import { readFileSync } from "node:fs";
import Parser from "rss-parser";
import { extractFromXml, extractFromJson } from "@extractus/feed-extractor";

const [which, path] = process.argv.slice(2);
const text = readFileSync(path, "utf8");
let items;
if (which === "rss-parser") {
  const feed = await new Parser().parseString(text);
  items = feed.items.map((it) => ({
    title: it.title, link: it.link,
    authors: [it.creator, it.author].filter(Boolean),
    image: it.enclosure ? `${it.enclosure.url} ${it.enclosure.type} ${it.enclosure.length}` : "",
  }));
} else {
  const opts = { getExtraEntryFields: (e) => ({ raw: e }), normalization: true };
  const feed = path.endsWith(".json") ? extractFromJson(JSON.parse(text), opts) : extractFromXml(text, opts);
  items = feed.entries.map((it) => {
    const raw = it.raw || {};
    const author = raw["dc:creator"] ?? raw.author ?? raw.authors;
    const enclosure = raw.enclosure;
    return {
      title: it.title, link: it.link,
      authors: author === undefined ? [] : [author].flat().map((a) => (typeof a === "string" ? a : a.name ?? JSON.stringify(a))),
      image: enclosure ? JSON.stringify(enclosure) : "",
    };
  });
}
console.log(JSON.stringify({ items }));
