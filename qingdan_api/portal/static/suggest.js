// Suggestions while typing in the search box: an ARIA combobox over GET @suggest.
// Progressive enhancement: without this script the form simply submits to the search page.
(function () {
  "use strict";
  document.querySelectorAll("form.search[data-suggest]").forEach(function (form) {
    var input = form.querySelector("input[name=q]");
    var list = document.createElement("ul");
    var active = -1, items = [], timer = null, seq = 0;
    list.id = input.id + "-suggestions";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "搜索建议");
    list.hidden = true;
    input.parentNode.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    function close() {
      list.hidden = true; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function open(code) { window.location.href = form.dataset.item.replace("CODE", code); }
    function mark(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (li, i) {
        li.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) input.setAttribute("aria-activedescendant", list.children[index].id);
    }
    function show(suggestions) {
      items = suggestions; list.textContent = "";
      suggestions.forEach(function (s, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.textContent = s.name;
        if (s.count > 1) {
          var n = document.createElement("span");
          n.className = "count"; n.textContent = s.count + "项";
          li.appendChild(n);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      if (suggestions.length) {
        list.hidden = false; input.setAttribute("aria-expanded", "true"); mark(-1);
      } else { close(); }
    }
    function choose(i) {
      var s = items[i];
      if (s.count > 1) { input.value = s.name; close(); form.submit(); } else { open(s.code); }
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (!q) { close(); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch(form.dataset.suggest + "?limit=8&q=" + encodeURIComponent(q))
          .then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (body) { if (mine === seq) show(body.items || []); })
          .catch(close);
      }, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); mark((active + 1) % items.length); }
      else if (e.key === "ArrowUp") { e.preventDefault(); mark(active <= 0 ? items.length - 1 : active - 1); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(active); }
      else if (e.key === "Escape") { e.preventDefault(); close(); }  // keep the text
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  });
})();
