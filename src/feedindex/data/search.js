// feedindex search page: results as you type. The page works without this script (the form
// submits and the server renders the results); this only saves the round trip of a page load.
// Titles and dates are inserted as text; snippets come from the API already escaped, with
// <mark> as their only markup.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var input = document.getElementById("q");
  if (!form || !input || !window.fetch) return;
  var labels = JSON.parse(document.body.getAttribute("data-labels") || "{}");
  var status = document.getElementById("status");
  var suggestion = document.getElementById("suggestion");
  var results = document.getElementById("results");
  var pages = document.getElementById("pages");
  var timer = null;
  var latest = 0;

  function params(query) {
    var data = new URLSearchParams(new FormData(form));
    data.set("q", query);
    return data;
  }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) node.className = className;
    return node;
  }

  function render(query, answer) {
    results.textContent = "";
    pages.textContent = "";
    suggestion.textContent = "";
    if (!query.trim()) { status.textContent = ""; return; }
    status.textContent = answer.total
      ? labels.found.replace("{total}", answer.total.toLocaleString())
      : labels.none.replace("{query}", query);
    if (answer.timed_out) status.textContent += " " + labels.timed_out;
    answer.hits.forEach(function (hit) {
      var item = document.createElement("li");
      var heading = document.createElement("h3");
      heading.className = "title";
      var link = text("a", hit.title);
      link.href = hit.url;
      heading.appendChild(link);
      item.appendChild(heading);
      var meta = document.createElement("p");
      meta.className = "meta";
      var time = text("time", hit.published.slice(0, 10));
      time.setAttribute("datetime", hit.published);
      meta.appendChild(time);
      item.appendChild(meta);
      var snippet = document.createElement("p");
      snippet.className = "snippet";
      snippet.innerHTML = hit.snippet; // escaped by the server; <mark> only
      item.appendChild(snippet);
      results.appendChild(item);
    });
    if (answer.suggestion) {
      suggestion.appendChild(document.createTextNode(labels.suggest + " "));
      var better = text("a", answer.suggestion);
      better.href = "/?" + params(answer.suggestion).toString();
      suggestion.appendChild(better);
    }
  }

  function search() {
    var query = input.value;
    var ticket = ++latest;
    var data = params(query);
    history.replaceState(null, "", query.trim() ? "/?" + data.toString() : "/");
    if (!query.trim()) { render(query, {hits: [], total: 0}); return; }
    fetch("/api/search?" + data.toString(), {headers: {Accept: "application/json"}})
      .then(function (response) { return response.json().then(function (body) { return [response, body]; }); })
      .then(function (pair) {
        if (ticket !== latest) return; // a newer query is on its way
        if (!pair[0].ok) { status.textContent = String(pair[1].detail && pair[1].detail[0] ? pair[1].detail[0].msg : pair[1].detail); return; }
        render(query, pair[1]);
      })
      .catch(function () { /* the form still works: nothing to do */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    search();
  });
})();
