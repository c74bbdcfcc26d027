// Prints what gofeed (Debian's golang-github-mmcdole-gofeed-dev) makes of a feed file, as JSON.
package main

import (
	"encoding/json"
	"os"

	"github.com/mmcdole/gofeed"
)

type item struct {
	Title      string   `json:"title"`
	Link       string   `json:"link"`
	Authors    []string `json:"authors"`
	Image      string   `json:"image"`
	Enclosures []string `json:"enclosures"`
}

func main() {
	file, err := os.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	feed, err := gofeed.NewParser().Parse(file)
	if err != nil {
		json.NewEncoder(os.Stdout).Encode(map[string]string{"error": err.Error()})
		os.Exit(1)
	}
	items := []item{}
	for _, it := range feed.Items {
		out := item{Title: it.Title, Link: it.Link, Authors: []string{}, Enclosures: []string{}}
		for _, a := range it.Authors {
			out.Authors = append(out.Authors, a.Name)
		}
		if it.Image != nil {
			out.Image = it.Image.URL
		}
		for _, e := range it.Enclosures {
			out.Enclosures = append(out.Enclosures, e.URL+" "+e.Type+" "+e.Length)
		}
		items = append(items, out)
	}
	json.NewEncoder(os.Stdout).Encode(map[string]interface{}{"items": items})
}
