/* global hexo */
// A stand-in for a theme's `note` tag (NexT has one), so that Hexo itself can build this site.
hexo.extend.tag.register('note', (args, content) => `<div class="note">${content}</div>`, {ends: true});
