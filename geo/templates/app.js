        // The analyst's tools over every site layer (site_layer.js.j2 and compact_layer.js.j2 push
        // "sources" with the same accessors into window.geoApp.sources). One state holds every
        // filter; the category boxes, claimant, actor and flag menus, the date range, the map's
        // layers, the list, the URL and the exports all read it, so they never disagree.
        // Inlined by app.js.j2 as the body of function (CONFIG, map).
        "use strict";
        var app = window.geoApp = window.geoApp || {sources: []};
        var sources = app.sources, dates = CONFIG.dates, narrow = window.matchMedia("(max-width: 700px)").matches;
        app.config = CONFIG;
        app.map = map;
        var state = app.state = {cats: {}, claimant: "", actor: "", flag: "", from: 0, to: Math.max(0, dates.length - 1), site: null};
        CONFIG.categories.forEach(function (c) { state.cats[c.key] = true; });
        function $(id) { return document.getElementById(id); }
        // 12345 -> "12,345" (toLocaleString's first call costs the page tens of milliseconds).
        function fmt(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
        function el(tag, text, cls) {
            var e = document.createElement(tag);
            if (text !== undefined && text !== null) { e.textContent = String(text); }
            if (cls) { e.className = cls; }
            return e;
        }

        // ---- Filters: one pass over every source, then the map, list, count and URL follow.
        function needsBlob() { return !!(state.claimant || state.actor || state.flag); }
        function filterSource(s) {
            var mask = new Uint8Array(s.n), blob = needsBlob(), lo = day(dates[state.from]), hi = day(dates[state.to]), shown = 0;
            if (!state.cats[s.cat]) {
                shown = 0;
            } else if (!blob && state.from === 0 && state.to === dates.length - 1) {  // nothing filtered out
                mask.fill(1);
                shown = s.n;
            } else {
                for (var i = 0; i < s.n; i++) {
                    var d = s.day(i);
                    if (d < lo || d > hi) { continue; }
                    if (blob) {
                        if (state.claimant && !s.hasClaimant(i, state.claimant)) { continue; }
                        if (state.actor && s.actors(i).split("; ").indexOf(state.actor) < 0) { continue; }
                        if (state.flag === "*" ? !s.flags(i) : state.flag && s.flags(i).split(", ").indexOf(state.flag) < 0) { continue; }
                    }
                    mask[i] = 1;
                    shown++;
                }
            }
            s.setShown(mask);
            s.count = shown;
        }
        function day(iso) { return iso ? Math.round(Date.parse(iso) / 86400000) : NaN; }
        app.apply = function () {
            var wait = needsBlob() ? Promise.all(sources.map(function (s) { return s.ready(); })) : Promise.resolve();
            return wait.then(function () {
                sources.forEach(filterSource);
                syncControls();
                var total = sources.reduce(function (a, s) { return a + s.count; }, 0);
                $("geo-count").textContent = fmt(total) + " of " + fmt(CONFIG.total) + " sites match";
                if (!sources.some(function (s) { return s.compact; })) { app.viewDrawn(); }
                writeHash();
            });
        };
        function syncControls() {
            document.querySelectorAll("input.geo-cat").forEach(function (b) { b.checked = !!state.cats[b.value]; });
            $("geo-claimant").value = state.claimant;
            if ($("geo-actor")) { $("geo-actor").value = state.actor; }
            $("geo-flag").value = state.flag;
            if ($("geo-time-slider")) {
                $("geo-time-from").value = state.from; $("geo-time-slider").value = state.to;
                $("geo-time-from-label").textContent = dates[state.from]; $("geo-time-label").textContent = dates[state.to];
            }
        }
        document.querySelectorAll("input.geo-cat").forEach(function (b) {
            b.addEventListener("change", function () { state.cats[b.value] = b.checked; app.apply(); });
        });
        [["geo-claimant", "claimant"], ["geo-actor", "actor"], ["geo-flag", "flag"]].forEach(function (p) {
            if ($(p[0])) { $(p[0]).addEventListener("change", function () { state[p[1]] = $(p[0]).value; app.apply(); }); }
        });
        if ($("geo-time-slider")) {
            $("geo-time-from").addEventListener("input", function () {
                state.from = parseInt(this.value, 10); if (state.from > state.to) { state.to = state.from; } app.apply();
            });
            $("geo-time-slider").addEventListener("input", function () {
                state.to = parseInt(this.value, 10); if (state.to < state.from) { state.from = state.to; } app.apply();
            });
        }

        // ---- Details of a site: a popup on wide screens, a bottom sheet on narrow ones; one site,
        // or several under one click with a stepper ("155 events here").
        var lastFocus = null, openPopup = null, sheet = null;
        function popupOptions() {
            var size = map.getSize(), find = document.querySelector(".geo-find"), right = find && !narrow ? find.offsetWidth + 20 : 10;
            return {maxWidth: Math.min(520, size.x - right - 40), minWidth: Math.min(300, size.x - 60), maxHeight: Math.max(180, size.y - 100),
                    autoPanPaddingTopLeft: [10, 10], autoPanPaddingBottomRight: [right, 20], className: "geo-popup", keepInView: true};
        }
        function opened(container) {
            container.setAttribute("tabindex", "-1");
            container.setAttribute("role", "dialog");
            container.setAttribute("aria-label", "Site details");
            container.focus({preventScroll: true});
        }
        function closed() {
            state.site = null;
            writeHash();
            if (lastFocus && document.body.contains(lastFocus)) { lastFocus.focus({preventScroll: true}); }
        }
        app.close = function () {
            if (sheet) { sheet.remove(); sheet = null; closed(); }
            if (openPopup) { map.closePopup(); }
        };
        function showSheet(box, latlng, keepView) {
            if (sheet) { sheet.remove(); }
            sheet = el("div", null, "geo-sheet");
            var close = sheet.appendChild(el("button", "×", "geo-sheet-close"));
            close.type = "button";
            close.setAttribute("aria-label", "Close details");
            close.addEventListener("click", app.close);
            var content = sheet.appendChild(el("div", null, "geo-sheet-content"));
            content.appendChild(box);
            map.getContainer().parentNode.appendChild(sheet);
            opened(content);
            // Keep the site visible above the sheet.
            var pt = map.latLngToContainerPoint(latlng), free = map.getSize().y - sheet.offsetHeight;
            if (!keepView && (pt.y > free - 20 || pt.y < 10)) { map.panBy([0, pt.y - free / 2], {animate: false}); }
        }
        app.open = function (hits, latlng, opts) {
            opts = opts || {};
            if (!hits.length) { return Promise.resolve(); }
            if (!sheet && !openPopup) { lastFocus = document.activeElement; }
            var box = el("div", null, "geo-hits"), body = el("div"), k = 0, label = null;
            if (hits.length > 1) {
                var head = box.appendChild(el("div", null, "geo-stepper"));
                head.appendChild(el("b", fmt(hits.length) + " events " + (opts.cell ? "in this cell" : "here"), "geo-hits-count"));
                var prev = head.appendChild(el("button", "Previous", "geo-prev")), next = head.appendChild(el("button", "Next", "geo-next"));
                label = head.appendChild(el("span", "", "geo-small geo-step"));
                prev.type = next.type = "button";
                prev.addEventListener("click", function () { show((k + hits.length - 1) % hits.length); });
                next.addEventListener("click", function () { show((k + 1) % hits.length); });
                if (opts.cell) {
                    var zoom = head.appendChild(el("button", "Zoom in", "geo-zoomin"));
                    zoom.type = "button";
                    zoom.addEventListener("click", function () { app.close(); map.setView(latlng, Math.min(map.getMaxZoom() || 18, map.getZoom() + 2)); });
                }
            }
            box.appendChild(body);
            function show(j) {
                k = j;
                var h = hits[k];
                return h.src.content(h.i).then(function (c) {
                    body.textContent = "";
                    if (typeof c === "string") { body.innerHTML = c; } else { body.appendChild(c); }  // strings: HTML escaped in Python
                    if (label) { label.textContent = fmt(k + 1) + " of " + fmt(hits.length); }
                    state.site = h.src.id(h.i);
                    writeHash();
                    if (openPopup) { openPopup.update(); }
                });
            }
            return show(0).then(function () {
                if (narrow) { showSheet(box, latlng, opts.keepView); return; }
                // A view from a URL stays as it was shared: no panning to fit the popup.
                openPopup = L.popup(Object.assign(popupOptions(), opts.keepView ? {autoPan: false} : {})).setLatLng(latlng).setContent(box).openOn(map);
            });
        };
        map.on("popupopen", function (e) { opened(e.popup.getElement().querySelector(".leaflet-popup-content")); });
        map.on("popupclose", function (e) {
            if (e.popup !== openPopup) { return; }
            openPopup = null;
            closed();
        });
        document.addEventListener("keydown", function (e) {
            if (e.key === "Escape" && (openPopup || sheet)) { app.close(); e.preventDefault(); }
        });
        // Open site ``id`` (flying to it); false if no source has it.
        app.openId = function (id, fly) {
            return Promise.all(sources.map(function (s) { return s.ready(); })).then(function () {
                for (var j = 0; j < sources.length; j++) {
                    var s = sources[j];
                    for (var i = 0; i < s.n; i++) {
                        if (s.id(i) !== id) { continue; }
                        if (fly) { map.setView(s.latlng(i), Math.max(map.getZoom(), 11), {animate: false}); }
                        return app.open([{src: s, i: i}], s.latlng(i), {keepView: !fly}).then(function () { return true; });
                    }
                }
                return false;
            });
        };

        // ---- Search: site id, then name or place (starting with, then containing the words); Enter opens it.
        function search(q) {
            q = q.trim().toLowerCase();
            var exact = null, starts = null, has = null;
            sources.forEach(function (s) {
                for (var i = 0; i < s.n && !exact; i++) {
                    var id = String(s.id(i)).toLowerCase(), name = s.name(i).toLowerCase(), place = s.place(i).toLowerCase();
                    if (id === q) { exact = {src: s, i: i}; }
                    else if (!starts && (name.indexOf(q) === 0)) { starts = {src: s, i: i}; }
                    else if (!has && (name.indexOf(q) >= 0 || place.indexOf(q) >= 0)) { has = {src: s, i: i}; }
                }
            });
            return exact || starts || has;
        }
        $("geo-search").addEventListener("keydown", function (e) {
            if (e.key !== "Enter") { return; }
            e.preventDefault();
            var q = this.value, status = $("geo-search-status");
            if (!q.trim()) { return; }
            Promise.all(sources.map(function (s) { return s.ready(); })).then(function () {
                var hit = search(q);
                if (!hit) { status.textContent = "No site, place or id matches “" + q + "”."; return; }
                status.textContent = "Found " + hit.src.name(hit.i) + " (" + hit.src.id(hit.i) + ")" + (hit.src.shown(hit.i) ? "" : ", hidden by the filters");
                map.setView(hit.src.latlng(hit.i), Math.max(map.getZoom(), 11), {animate: false});
                app.open([hit], hit.src.latlng(hit.i));
            });
        });

        // ---- The list of sites in view, sorted by date, name or distance to the border.
        // Rebuilt when the map has been drawn and the page is idle. The first time it waits a second
        // more: reading a big map's popup data (to name its sites) must not hold up the first picture.
        var listTimer = null, listed = false, idle = window.requestIdleCallback || function (fn) { return setTimeout(fn, 50); };
        app.viewDrawn = function () {
            clearTimeout(listTimer);
            var big = sources.some(function (s) { return s.compact; });
            listTimer = setTimeout(function () { idle(function () { listed = true; app.list(); }, {timeout: 1500}); }, listed || !big ? 60 : 1000);
        };
        app.list = function () {
            return Promise.all(sources.map(function (s) { return s.ready(); })).then(function () {
                // Typed arrays and keys read once: 100,000 sites in view sort in tens of milliseconds.
                var b = map.getBounds(), box = [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()], key = $("geo-sort").value;
                var total = sources.reduce(function (a, s) { return a + s.n; }, 0);
                var which = new Uint8Array(total), at = new Uint32Array(total), num = new Float64Array(total), str = [], m = 0;
                sources.forEach(function (s, si) {
                    for (var i = 0; i < s.n; i++) {
                        if (!s.shown(i) || !s.within(i, box)) { continue; }
                        which[m] = si; at[m] = i;
                        if (key === "name") { str[m] = s.name(i).toLowerCase(); } else { num[m] = key === "date" ? -s.day(i) : s.dist(i); }
                        m++;
                    }
                });
                var order = new Uint32Array(m);
                for (var j = 0; j < m; j++) { order[j] = j; }
                order.sort(key === "name" ? function (x, y) { return str[x] < str[y] ? -1 : str[x] > str[y] ? 1 : x - y; }
                                          : function (x, y) { return num[x] - num[y] || x - y; });
                var ol = $("geo-list"), max = CONFIG.list_max;
                ol.textContent = "";
                for (j = 0; j < Math.min(m, max); j++) { listItem(ol, {src: sources[which[order[j]]], i: at[order[j]]}); }
                $("geo-list-count").textContent = m > max ? "(first " + max + " of " + fmt(m) + ")"
                    : "(" + fmt(m) + ")";
            });
        };
        function listItem(ol, r) {
            var li = ol.appendChild(el("li")), btn = li.appendChild(el("button", null, "geo-list-item"));
            btn.type = "button";
            btn.setAttribute("data-site", r.src.id(r.i));
            var sym = btn.appendChild(document.createElementNS("http://www.w3.org/2000/svg", "svg"));
            sym.setAttribute("viewBox", "0 0 16 16"); sym.setAttribute("class", "geo-sym"); sym.setAttribute("aria-hidden", "true");
            var path = sym.appendChild(document.createElementNS(sym.namespaceURI, "path"));
            path.setAttribute("d", r.src.symbol); path.setAttribute("fill", r.src.color); path.setAttribute("stroke", "#222");
            btn.appendChild(el("span", r.src.name(r.i), "geo-list-name"));
            btn.appendChild(el("span", r.src.cat + " · " + r.src.date(r.i) + " · " + r.src.dist(r.i).toFixed(1) + " km", "geo-small"));
            btn.addEventListener("click", function () { app.open([r], r.src.latlng(r.i)); });
        }
        $("geo-sort").addEventListener("change", function () { app.list(); });
        map.on("moveend", function () { app.viewDrawn(); writeHash(); });

        // ---- Shareable state in location.hash: view, filters, open site.
        var restoring = true;  // until the URL has been read (readHash)
        function writeHash() {
            if (restoring) { return; }
            var c = map.getCenter(), parts = ["map=" + map.getZoom() + "/" + c.lat.toFixed(5) + "/" + c.lng.toFixed(5)];
            var off = CONFIG.categories.filter(function (x) { return !state.cats[x.key]; });
            if (off.length) { parts.push("cats=" + CONFIG.categories.filter(function (x) { return state.cats[x.key]; }).map(function (x) { return x.key; }).join(",")); }
            ["claimant", "actor", "flag"].forEach(function (k) { if (state[k]) { parts.push(k + "=" + encodeURIComponent(state[k])); } });
            if (state.from > 0) { parts.push("from=" + dates[state.from]); }
            if (state.to < dates.length - 1) { parts.push("to=" + dates[state.to]); }
            if (state.site) { parts.push("site=" + encodeURIComponent(state.site)); }
            var h = "#" + parts.join("&");
            if (location.hash !== h) { history.replaceState(null, "", h); }
        }
        function dateIndex(iso, fallback) {
            var i = dates.indexOf(iso);
            if (i >= 0) { return i; }
            for (i = 0; i < dates.length && dates[i] < iso; i++) { /* first date on or after iso */ }
            return iso ? Math.min(i, dates.length - 1) : fallback;
        }
        app.readHash = function () {
            var q = {};
            location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
                var j = kv.indexOf("=");
                if (j > 0) { try { q[kv.slice(0, j)] = decodeURIComponent(kv.slice(j + 1)); } catch (err) { /* a malformed part is ignored */ } }
            });
            restoring = true;
            if (q.map) {
                var v = q.map.split("/").map(Number);
                if (v.length === 3 && v.every(isFinite)) { map.setView([v[1], v[2]], v[0], {animate: false}); }
            }
            if (q.cats !== undefined) {
                var on = q.cats.split(",");
                CONFIG.categories.forEach(function (c) { state.cats[c.key] = on.indexOf(c.key) >= 0; });
            }
            ["claimant", "actor", "flag"].forEach(function (k) { state[k] = q[k] || ""; });
            state.from = dateIndex(q.from || "", 0);
            state.to = q.to ? dateIndex(q.to, dates.length - 1) : dates.length - 1;
            // The URL is written from the first change on, not while the page opens.
            return app.apply().then(function () {
                restoring = false;
                return q.site ? app.openId(q.site, false) : null;
            });
        };

        // ---- Export of the sites the filters select, built in the page.
        function download(name, type, text) {
            var a = el("a");
            a.href = URL.createObjectURL(new Blob([text], {type: type}));
            a.download = name;
            document.body.appendChild(a);
            a.click();
            setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
        }
        function selection() {
            return Promise.all(sources.map(function (s) { return s.ready(); })).then(function () {
                var rows = [];
                sources.forEach(function (s) {
                    for (var i = 0; i < s.n; i++) {
                        if (!s.shown(i)) { continue; }
                        var ll = s.latlng(i);
                        rows.push({site_id: s.id(i), name: s.name(i), category: s.cat, event_date: s.date(i), lat: ll[0], lon: ll[1],
                                   side: s.side(i), distance_km: s.dist(i), flags: s.flags(i), actors: s.actors(i), reported_location: s.place(i)});
                    }
                });
                return rows;
            });
        }
        var FIELDS = ["site_id", "name", "category", "event_date", "lat", "lon", "side", "distance_km", "flags", "actors", "reported_location"];
        function csvCell(v) {
            var t = v === null || v === undefined ? "" : String(v);
            if (/^[=+\-@\t\r]/.test(t) && typeof v === "string") { t = "'" + t; }  // no formulas for spreadsheets
            return /[",\r\n]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
        }
        $("geo-export-csv").addEventListener("click", function () {
            selection().then(function (rows) {
                var lines = [FIELDS.join(",")].concat(rows.map(function (r) { return FIELDS.map(function (f) { return csvCell(r[f]); }).join(","); }));
                download(CONFIG.file_stem + "-selection.csv", "text/csv", lines.join("\r\n") + "\r\n");
            });
        });
        $("geo-export-geojson").addEventListener("click", function () {
            selection().then(function (rows) {
                var fc = {type: "FeatureCollection", features: rows.map(function (r) {
                    var props = {};
                    FIELDS.forEach(function (f) { if (f !== "lat" && f !== "lon") { props[f] = r[f]; } });
                    return {type: "Feature", id: r.site_id, properties: props, geometry: {type: "Point", coordinates: [r.lon, r.lat]}};
                })};
                download(CONFIG.file_stem + "-selection.geojson", "application/geo+json", JSON.stringify(fc) + "\n");
            });
        });

        // ---- Orientation and layout: labels by zoom, panels closed on small screens, attribution.
        function zoomClass() { map.getContainer().classList.toggle("geo-labels-on", map.getZoom() >= CONFIG.label_zoom); }
        map.on("zoomend", zoomClass);
        zoomClass();
        if (CONFIG.labels.length) {
            var labels = L.layerGroup().addTo(map);
            CONFIG.labels.forEach(function (l) {
                labels.addLayer(L.marker([l[0], l[1]], {interactive: false, keyboard: false,
                    icon: L.divIcon({className: "geo-map-label geo-site-label", html: el("span", l[2]), iconSize: null})}));
            });
        }
        if (narrow) { document.querySelectorAll("details.geo-collapsible").forEach(function (d) { d.open = false; }); }
        if (CONFIG.attribution && map.attributionControl) { map.attributionControl.addAttribution(CONFIG.attribution); }
        window.addEventListener("hashchange", function () { app.readHash(); });
        // The opening view, unless the URL has one (readHash): every site and the border, with room
        // for the open "Find and filter" box on wide screens. Not animated, and before the first draw.
        if (location.hash.indexOf("map=") < 0) { map.fitBounds(CONFIG.bounds, {paddingTopRight: [narrow ? 0 : 340, 0], animate: false}); }
        app.readHash();
