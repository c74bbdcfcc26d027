<?php
// What SimplePie 1.5.8 (the copy in Debian's wordpress package) makes of a feed file: JSON on stdout.
error_reporting(E_ALL & ~E_DEPRECATED & ~E_NOTICE & ~E_WARNING);
// The SimplePie 1.5.8 that Debian's wordpress package carries, unpacked beside this file (README.md).
define('ABSPATH', (getenv('WORDPRESS') ?: __DIR__ . '/wp/usr/share/wordpress') . '/'); define('WPINC', 'wp-includes');
require ABSPATH . WPINC . '/class-simplepie.php';
$feed = new SimplePie();
$feed->set_raw_data(file_get_contents($argv[1]));
$feed->enable_cache(false);
$feed->init();
if ($feed->error()) { echo json_encode(['error' => $feed->error()]); exit(1); }
$items = [];
foreach ($feed->get_items() as $item) {
    $authors = [];
    foreach ($item->get_authors() ?: [] as $author) { $authors[] = $author->get_name(); }
    $enclosures = [];
    foreach ($item->get_enclosures() ?: [] as $e) {
        if ($e->get_link()) { $enclosures[] = $e->get_link() . ' ' . $e->get_type() . ' ' . $e->get_length(); }
    }
    $items[] = ['title' => $item->get_title(), 'link' => $item->get_permalink(), 'authors' => $authors,
                'image' => implode(' | ', $enclosures)];
}
echo json_encode(['items' => $items], JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
