"""The feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the site, each tag and each category, and
`feeds.html` listing them for people.

`entries` turns articles into feed entries, `render` an entry list into bytes (deterministic),
`write` writes the files of a scope atomically, `page` the feeds page. The build decides which
scopes to write (build/feeds.py).
"""
