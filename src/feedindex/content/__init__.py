"""Content: find the article files (`scan`, one `stat` each), read them (`reading`: `frontmatter`,
`fields`, `markdown`, and the `generators` of Hugo, Jekyll and Hexo), and keep their entry ids
stable across edits (`identity`). Imports nothing heavy: a build with nothing to do scans only.
"""
