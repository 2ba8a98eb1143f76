--[[
bibkit.lua: bibkit's claim map at render time, for pandoc (3.1 or newer) and Quarto.

It reads the JSON claim map that `bibkit claim-map --format json -o claim-map.json` writes; no
Python runs at render time. Document metadata:

  bibkit-map: claim-map.json   where the claim map is (relative paths: the working directory,
                               then the folder of the first input file)
  bibkit-draft: true           a reviewer's draft: every sentence the map knows as a claim (by the
                               claim's anchor or its text, or a span [..]{.claim #id}) gets its
                               status: broken, unsourced and retracted (its only support is
                               retracted, as `bibkit lookup` found) highlighted, contested marked,
                               supported quiet; sources, locator and quote on hover in HTML,
                               colour and margin notes in LaTeX
  bibkit-fail-under: 80        stop the render when coverage is below 80 percent
  bibkit-metric: backed        what bibkit-fail-under measures: backed (default) or verified

Without bibkit-draft and bibkit-fail-under the document is not touched and the map is not read.
Part of bibkit (MIT licence); `bibkit filter --path` prints where this file is installed.
]]

PANDOC_VERSION:must_be_at_least('3.1', 'bibkit.lua needs pandoc %s or newer (this is pandoc %s)')

local List = pandoc.List
local stringify = pandoc.utils.stringify

local STATUS_RANK = { broken = 6, unsourced = 5, retracted = 4, contested = 3, partial = 2, supported = 1 }
local STATUS_HELP = {
  broken = 'links to a key that is not in the bibliography',
  unsourced = 'no source',
  contested = 'a source contradicts it',
  retracted = 'its only supporting sources are retracted',
  partial = 'sources only qualify or mention it',
  supported = 'a source supports it',
}
local LOUD = { broken = true, unsourced = true, retracted = true, contested = true, partial = true }

-- Abbreviations after which a full stop does not end a sentence.
local ABBREVIATIONS = {}
for _, a in ipairs({ 'e.g.', 'i.e.', 'etc.', 'cf.', 'vs.', 'al.', 'p.', 'pp.', 'ch.', 'chap.', 'sec.', 'fig.',
                     'vol.', 'no.', 'ed.', 'eds.', 'dr.', 'mr.', 'mrs.', 'ms.', 'st.', 'approx.', 'ca.', 'c.' }) do
  ABBREVIATIONS[a] = true
end

local CSS = [[
<style>
.bibkit-banner { border: 1px solid #d0d7de; border-left: 4px solid #c05800; background: #fffaf0; padding: .5em .8em; margin: 0 0 1em; font-size: .9em; }
.bibkit-claim { border-radius: 2px; }
.bibkit-broken { background: #fde2e1; box-shadow: inset 0 -2px 0 #b00020; }
.bibkit-unsourced { background: #fff1b8; box-shadow: inset 0 -2px 0 #c05800; }
.bibkit-contested { text-decoration: underline wavy #7b1fa2; text-decoration-skip-ink: none; }
.bibkit-retracted { background: #f6dede; box-shadow: inset 0 -2px 0 #8a1c1c; text-decoration: line-through #8a1c1c; }
.bibkit-partial { text-decoration: underline dotted #5f6368; }
.bibkit-supported:hover { background: #e8f5e9; }
.bibkit-mark { font-size: .68em; font-weight: 600; margin-left: .15em; white-space: nowrap; }
.bibkit-mark-broken { color: #b00020; } .bibkit-mark-unsourced { color: #a04800; }
.bibkit-mark-contested { color: #7b1fa2; } .bibkit-mark-retracted { color: #8a1c1c; } .bibkit-mark-partial { color: #5f6368; }
.bibkit-mark-supported, .bibkit-mark-supported a { color: #5f6368; font-weight: 400; }
.bibkit-mark a, .bibkit-source { font-weight: 400; text-decoration: none; border-bottom: 1px dotted currentColor; }
@media print { .bibkit-claim, .bibkit-banner { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
</style>
]]

local LATEX_HEADER = [[
\usepackage{xcolor}
\definecolor{bibkit-broken}{HTML}{B00020}
\definecolor{bibkit-unsourced}{HTML}{C05800}
\definecolor{bibkit-contested}{HTML}{7B1FA2}
\definecolor{bibkit-retracted}{HTML}{8A1C1C}
\definecolor{bibkit-partial}{HTML}{5F6368}
\definecolor{bibkit-supported}{HTML}{000000}
\newcommand{\bibkitnote}[2]{\marginpar{\raggedright\scriptsize\textcolor{#1}{#2}}}
]]

-- -- small helpers ---------------------------------------------------------------------------

local function fail(message)
  io.stderr:write('bibkit: ' .. message .. '\n')
  os.exit(1)
end

local function warn(message)
  io.stderr:write('[WARNING] bibkit: ' .. message .. '\n')
end

local function is_null(v)
  return v == nil or v == pandoc.json.null
end

local function str(v)
  if is_null(v) then return nil end
  return tostring(v)
end

--- Curly quotes straight, dashes and ellipses plain, no-break spaces plain.
local function plain_chars(s)
  s = s:gsub('\u{201C}', '"'):gsub('\u{201D}', '"'):gsub('\u{201E}', '"')
  s = s:gsub('\u{2018}', "'"):gsub('\u{2019}', "'")
  s = s:gsub('\u{2013}', '-'):gsub('\u{2014}', '-'):gsub('\u{2026}', '...')
  return (s:gsub('\u{00A0}', ' '))
end

--- Text as bibkit compares it: `plain_chars`, `--` a dash, white space folded.
local function norm(s)
  s = plain_chars(s):gsub('%-%-%-?', '-'):gsub('%s+', ' ')
  s = s:gsub(' ([%.,;:!%?%)])', '%1')
  return (s:gsub('^ ', ''):gsub(' $', ''))
end

-- Bytes of UTF-8 letters count as word characters, as Python's \w counts letters.
local WORD = '[%w_\128-\255]'
local KEY_PUNCT = ':.#$%&+?<>~/-'

local function is_word(c)
  return c ~= '' and c:match(WORD) ~= nil
end

--- Author-in-text citations left out, read as bibkit reads them (`_IN_TEXT` in manuscripts/markdown.py):
--- `@key` or `@{key}` not after a letter, digit, `.` or `\`, a key's inner punctuation followed by
--- a word character, and a `[locator]` after spaces and at most one line break.
local function drop_in_text(s)
  local out, pos = {}, 1
  while true do
    local at = s:find('@', pos, true)
    if not at then break end
    local prev, stop = s:sub(at - 1, at - 1), nil
    if not ((is_word(prev) and prev ~= '_') or prev == '.' or prev == '\\') then
      local c = s:sub(at + 1, at + 1)
      if c == '{' then
        stop = s:match('^{[^{}%s]+}()', at + 1)
      elseif is_word(c) then
        stop = at + 2
        while true do
          local d = s:sub(stop, stop)
          if is_word(d) then
            stop = stop + 1
          elseif d ~= '' and KEY_PUNCT:find(d, 1, true) and is_word(s:sub(stop + 1, stop + 1)) then
            stop = stop + 2
          else
            break
          end
        end
      end
      if stop then
        local loc = s:match('^[ \t]*\n?[ \t]*%[[^%[%]@]*%]()', stop)
        if loc and not s:sub(loc, loc):match('[%(%[]') then stop = loc end
      end
    end
    if stop then
      out[#out + 1] = s:sub(pos, at - 1)
      pos = stop
    else
      out[#out + 1] = s:sub(pos, at)
      pos = at + 1
    end
  end
  out[#out + 1] = s:sub(pos)
  return table.concat(out)
end

--- Text as pandoc renders it, for finding anchors: bibkit's `rendered` (bibkit/manuscripts/markdown.py)
--- by the same rules, step for step. Citations ([@a, p. 4], @a, @a [p. 4]) and notes left out,
--- emphasis, code and strikeout marks dropped, links to their text, HTML tags removed, then `norm`.
--- An anchor with Markdown in it (`*about 30 million*`, `@smil1999 puts`) is found in the rendered sentence.
local function rendered(s)
  -- typographic characters first: the only bytes above 127 left are those of letters and rare symbols,
  -- word characters here as in Python
  s = plain_chars(s)
  s = s:gsub('!?%[([^%[%]]*)%]%b()', '%1')
  s = s:gsub('%^%[[^%[%]]*%]', ''):gsub('%[%^[^%[%]]*%]', '')
  s = s:gsub('()%[([^%[%]]*)%]()', function(from, body, to)
    if body:find('@', 1, true) and s:sub(from - 1, from - 1) ~= ']' and not s:sub(to, to):match('[%(%[]') then
      return ''
    end
  end)
  s = drop_in_text(s)
  s = s:gsub('</?%a[^<>]*>', '')
  -- a backslash goes, the character it escapes stays (a NUL stands for the end of the text)
  s = (s .. '\0'):gsub('\\([^%w_\128-\255])', '%1'):gsub('\0$', '')
  s = s:gsub('%*+', ''):gsub('`+', ''):gsub('~~', '')
  s = ' ' .. s .. ' ' -- the two rules below see a character before and after the text (norm trims them)
  s = s:gsub('([^%w_\128-\255])_+', '%1'):gsub('_+([^%w_\128-\255])', '%1')
  return norm(s)
end

local function meta_value(meta, key)
  local v = meta[key]
  if v == nil then return nil end
  if type(v) == 'boolean' then return v end
  return stringify(v)
end

local function meta_true(meta, key)
  local v = meta_value(meta, key)
  return v == true or v == 'true' or v == 'yes' or v == 'on' or v == '1'
end

local function file_exists(path)
  local f = io.open(path, 'r')
  if f then f:close() return true end
  return false
end

local function locate(path)
  if file_exists(path) or path:match('^/') then return path end
  local first = PANDOC_STATE.input_files and PANDOC_STATE.input_files[1]
  if first and first ~= '-' then
    local candidate = pandoc.path.join({ pandoc.path.directory(first), path })
    if file_exists(candidate) then return candidate end
  end
  return path
end

local function read_map(path)
  local where = locate(path)
  local f = io.open(where, 'r')
  if not f then
    fail(('claim map %s not found: write it first with `bibkit claim-map --format json -o %s` '
      .. '(or set bibkit-map)'):format(path, path))
  end
  local text = f:read('a')
  f:close()
  local ok, data = pcall(pandoc.json.decode, text, false)
  if not ok or type(data) ~= 'table' or data.format ~= 1 or type(data.claims) ~= 'table'
      or type(data.summary) ~= 'table' then
    fail(('%s is not a bibkit claim map (expected the JSON of `bibkit claim-map --format json`, format 1)')
      :format(where))
  end
  return data
end

-- -- the coverage gate (bibkit's rule: a percentage never rounds up to 100 or down to 0) -------

local function round_half_even(x)
  local f = math.floor(x)
  local d = x - f
  if d > 0.5 then return f + 1 end
  if d < 0.5 then return f end
  return (f % 2 == 0) and f or f + 1
end

local function clamp1(pc)
  if pc > 0 and pc < 0.1 then return 0.1 end
  if pc > 99.9 and pc < 100 then return 99.9 end
  return round_half_even(pc * 10) / 10
end

local function check_gate(summary, fail_under_text, metric)
  local fail_under = tonumber(fail_under_text)
  if not fail_under or fail_under < 0 or fail_under > 100 then
    fail(('bibkit-fail-under must be a number from 0 to 100, not %q'):format(fail_under_text))
  end
  if metric ~= 'backed' and metric ~= 'verified' then
    fail(('bibkit-metric must be backed or verified, not %q'):format(metric))
  end
  local claims = tonumber(summary.claims) or 0
  local count = tonumber(summary[metric]) or 0
  local total = claims > 0 and 100 * count / claims or 100
  local held
  if fail_under >= 100 then held = total >= 100 else held = clamp1(total) >= fail_under end
  if not held then
    fail(('claim coverage %.1f%% (%s: %d of %d claims) is below bibkit-fail-under %s; the render stops. '
      .. 'Add sources, or see `bibkit claim-map`.'):format(clamp1(total), metric, count, claims,
      fail_under_text))
  end
end

-- -- what a claim looks like in the output ---------------------------------------------------

local function worst(claims)
  local best
  for _, c in ipairs(claims) do
    if not best or (STATUS_RANK[c.status] or 0) > (STATUS_RANK[best] or 0) then best = c.status end
  end
  return best
end

local function link_hover(link)
  local parts = List({ str(link.stance) or 'supports' })
  if link.resolved then
    parts:insert(str(link.citation) or str(link.key))
  else
    parts:insert(str(link.key) .. ' is not in the bibliography')
  end
  if str(link.locator) and not (str(link.citation) or ''):find(str(link.locator), 1, true) then
    parts:insert(str(link.locator))
  end
  if str(link.quote) then parts:insert('\u{201C}' .. str(link.quote) .. '\u{201D}') end
  -- review_label: the review state worded as the claim map's reports word it (older claim maps lack it)
  parts:insert(str(link.review_label) or (link.verified and 'verified' or 'not verified'))
  return table.concat(parts, ' \u{00B7} ')
end

local function claim_hover(claims)
  local lines = List()
  for _, c in ipairs(claims) do
    lines:insert(('%s: %s (claim %s)'):format(c.status, STATUS_HELP[c.status] or '', c.id))
    if str(c.text) then lines:insert(str(c.text)) end
    for _, link in ipairs(c.links or {}) do lines:insert('  ' .. link_hover(link)) end
  end
  return table.concat(lines, '\n')
end

local function link_label(link)
  local stance = str(link.stance) or 'supports'
  local prefix = stance == 'supports' and '' or (stance .. ' ')
  if link.resolved then return prefix .. (str(link.citation) or str(link.key)) end
  -- pdfLaTeX has no glyph for a cross: words there.
  return prefix .. str(link.key) .. (FORMAT:match('latex') and ' (not in the bibliography)' or '\u{00A0}\u{2717}')
end

--- HTML: the sentence in a span with the status and a hover text, then a superscript with the sources.
local function html_claim(inlines, claims, attr)
  local status = worst(claims)
  attr = attr or pandoc.Attr()
  local classes = List(attr.classes)
  classes:extend({ 'bibkit-claim', 'bibkit-' .. status })
  local attributes = {}
  for k, v in pairs(attr.attributes) do attributes[k] = v end
  attributes['data-status'] = status
  attributes['data-claims'] = table.concat(List(claims):map(function(c) return c.id end), ' ')
  attributes['title'] = claim_hover(claims)
  if FORMAT:match('docx') then attributes['custom-style'] = 'bibkit ' .. status end
  local span = pandoc.Span(inlines, pandoc.Attr(attr.identifier, classes, attributes))
  local mark = List()
  for _, c in ipairs(claims) do
    if LOUD[c.status] then
      mark:insert(pandoc.Span({ pandoc.Str(c.status) }, pandoc.Attr('', { 'bibkit-status', 'bibkit-status-' .. c.status })))
    end
    for _, link in ipairs(c.links or {}) do
      if #mark > 0 then mark:insert(pandoc.Str(' ')) end
      local label = { pandoc.Str(link_label(link)) }
      if link.resolved then -- citeproc's bibliography entry, when the document has one
        mark:insert(pandoc.Link(label, '#ref-' .. str(link.key), link_hover(link), pandoc.Attr('', { 'bibkit-source' })))
      else
        mark:insert(pandoc.Span(label, pandoc.Attr('', { 'bibkit-source', 'bibkit-unresolved' }, { title = link_hover(link) })))
      end
    end
  end
  local out = List({ span })
  if #mark > 0 then
    out:insert(pandoc.Superscript({ pandoc.Span(mark, pandoc.Attr('', { 'bibkit-mark', 'bibkit-mark-' .. status })) }))
  end
  return out
end

--- LaTeX: the sentence in the status colour and, outside tables and notes, a margin note.
local function latex_claim(inlines, claims, margin)
  local status = worst(claims)
  local out = List()
  if status == 'supported' then
    out:extend(inlines)
  else
    out:insert(pandoc.RawInline('latex', '\\textcolor{bibkit-' .. status .. '}{'))
    out:extend(inlines)
    out:insert(pandoc.RawInline('latex', '}'))
  end
  if margin and LOUD[status] then
    local note = List()
    for i, c in ipairs(claims) do
      if LOUD[c.status] then
        if #note > 0 then note:insert(pandoc.LineBreak()) end
        note:insert(pandoc.Strong({ pandoc.Str(c.status) }))
        note:insert(pandoc.Str(' ' .. c.id))
        for _, link in ipairs(c.links or {}) do
          note:insert(pandoc.LineBreak())
          note:insert(pandoc.Str(link_label(link)))
        end
      end
    end
    out:insert(pandoc.RawInline('latex', '\\bibkitnote{bibkit-' .. status .. '}{'))
    out:extend(note)
    out:insert(pandoc.RawInline('latex', '}'))
  end
  return out
end

local function mark_claim(inlines, claims, margin, attr)
  if FORMAT:match('latex') or FORMAT == 'beamer' then
    local out = latex_claim(inlines, claims, margin)
    if attr and attr.identifier ~= '' then
      return List({ pandoc.Span(out, pandoc.Attr(attr.identifier)) })
    end
    return out
  end
  return html_claim(inlines, claims, attr)
end

-- -- finding the claims in the text ------------------------------------------------------------

local function ends_sentence(inline, next_inline)
  if inline.t ~= 'Str' then return false end
  if not (next_inline and (next_inline.t == 'Space' or next_inline.t == 'SoftBreak' or next_inline.t == 'LineBreak')) then
    return false
  end
  local text = inline.text:gsub('[\u{201D}\u{2019}"\')%]]+$', '')
  if not text:match('[%.!%?]$') then return false end
  if ABBREVIATIONS[text:lower()] or text:match('^%u%.$') then return false end
  return true
end

--- The inlines split into sentences (each a list), with the white space between them kept apart.
local function sentences(inlines)
  local out, current = List(), List()
  local i = 1
  while i <= #inlines do
    local el = inlines[i]
    current:insert(el)
    if ends_sentence(el, inlines[i + 1]) then
      out:insert({ kind = 'sentence', inlines = current })
      out:insert({ kind = 'space', inlines = List({ inlines[i + 1] }) })
      current = List()
      i = i + 2
    else
      i = i + 1
    end
  end
  if #current > 0 then out:insert({ kind = 'sentence', inlines = current }) end
  return out
end

--- A sentence's text as compared with anchors and claim texts: citations and notes left out.
local function sentence_text(inlines)
  local kept = List()
  for _, el in ipairs(inlines) do
    if el.t ~= 'Cite' and el.t ~= 'Note' then kept:insert(el) end
  end
  return rendered(stringify(kept))
end

local Draft = {}
Draft.__index = Draft

function Draft.new(map)
  local self = setmetatable({}, Draft)
  self.map = map
  self.by_id = {}
  self.matchers = List()
  self.found = {}
  for _, c in ipairs(map.claims) do
    c.id = tostring(c.id)
    self.by_id[c.id] = c
  end
  return self
end

function Draft:prepare(doc)
  local spanned = {}
  doc:walk({ Span = function(s)
    if s.classes:includes('claim') and s.identifier ~= '' then spanned[s.identifier] = true end
  end })
  for _, c in ipairs(self.map.claims) do
    if not spanned[c.id] then
      local anchor = str(c.anchor) and rendered(str(c.anchor)) or nil
      local text = str(c.text) and rendered(str(c.text)) or nil
      if (anchor and anchor ~= '') or (text and #text >= 20) then
        self.matchers:insert({ claim = c, anchor = anchor ~= '' and anchor or nil, text = text })
      end
    end
  end
end

function Draft:claims_in(text)
  local hits = List()
  for _, m in ipairs(self.matchers) do
    local hit
    if m.anchor then
      hit = text:find(m.anchor, 1, true) ~= nil
    else
      hit = text == m.text or (m.text and #m.text >= 20 and text:find(m.text, 1, true) ~= nil)
    end
    if hit then
      hits:insert(m.claim)
      self.found[m.claim.id] = true
    end
  end
  return hits
end

function Draft:inlines(inlines, margin)
  -- Notes first: their sentences are marked too, without margin notes (LaTeX forbids them there).
  inlines = inlines:walk({ Note = function(note)
    return pandoc.Note(self:blocks(note.content, false))
  end })
  -- Explicit claim spans resolve by id.
  inlines = inlines:walk({ Span = function(s)
    if not (s.classes:includes('claim') and s.identifier ~= '') then return nil end
    local c = self.by_id[s.identifier]
    if not c then
      warn(('span #%s is marked .claim but the claim map has no claim %s'):format(s.identifier, s.identifier))
      return nil
    end
    self.found[c.id] = true
    return mark_claim(s.content, { c }, margin, s.attr)
  end })
  local out = List()
  for _, part in ipairs(sentences(inlines)) do
    local claims = part.kind == 'sentence' and self:claims_in(sentence_text(part.inlines)) or List()
    if #claims > 0 then
      out:extend(mark_claim(part.inlines, claims, margin))
    else
      out:extend(part.inlines)
    end
  end
  return out
end

function Draft:blocks(blocks, margin)
  local out = List()
  for _, b in ipairs(blocks) do
    if b.t == 'Para' then
      out:insert(pandoc.Para(self:inlines(b.content, margin)))
    elseif b.t == 'Plain' then
      out:insert(pandoc.Plain(self:inlines(b.content, margin)))
    elseif b.t == 'Div' or b.t == 'BlockQuote' then
      b.content = self:blocks(b.content, margin)
      out:insert(b)
    elseif b.t == 'BulletList' or b.t == 'OrderedList' then
      b.content = b.content:map(function(item) return self:blocks(item, margin) end)
      out:insert(b)
    elseif b.t == 'Table' then
      out:insert(b:walk({
        Para = function(p) return pandoc.Para(self:inlines(p.content, false)) end,
        Plain = function(p) return pandoc.Plain(self:inlines(p.content, false)) end,
      }))
    else
      out:insert(b)
    end
  end
  return out
end

function Draft:banner()
  local s = self.map.summary
  local claims = tonumber(s.claims) or 0
  local pc = function(n) return claims > 0 and clamp1(100 * n / claims) or 100 end
  local counts = List()
  for _, status in ipairs({ 'broken', 'unsourced', 'retracted', 'contested', 'partial', 'supported' }) do
    local n = s.by_status and tonumber(s.by_status[status]) or 0
    if n and n > 0 then counts:insert(('%d %s'):format(n, status)) end
  end
  local missing = List()
  for _, c in ipairs(self.map.claims) do
    if not self.found[c.id] then missing:insert(c.id) end
  end
  local text = ("Reviewer's draft (bibkit): %d of %d claims backed by a source (%.1f%%), %d verified (%.1f%%); %s.")
    :format(tonumber(s.backed) or 0, claims, pc(tonumber(s.backed) or 0), tonumber(s.verified) or 0,
      pc(tonumber(s.verified) or 0), #counts > 0 and table.concat(counts, ', ') or 'no claims')
  local inlines = List({ pandoc.Str(text) })
  if #missing > 0 then
    local list = {}
    for i = 1, math.min(#missing, 20) do list[i] = missing[i] end
    local more = #missing > 20 and (', and %d more'):format(#missing - 20) or ''
    inlines:insert(pandoc.Space())
    inlines:insert(pandoc.Str(('%d %s not found in this text: %s%s.'):format(#missing,
      #missing == 1 and 'claim is' or 'claims are', table.concat(list, ', '), more)))
  end
  return pandoc.Div({ pandoc.Para(inlines) }, pandoc.Attr('bibkit-banner', { 'bibkit-banner' }))
end

local function add_header(meta, block)
  local includes = meta['header-includes']
  if includes == nil then
    includes = pandoc.MetaList({})
  elseif pandoc.utils.type(includes) ~= 'List' then
    includes = pandoc.MetaList({ includes })
  end
  includes:insert(pandoc.MetaBlocks({ block }))
  meta['header-includes'] = includes
end

-- -- the filter -------------------------------------------------------------------------------

function Pandoc(doc)
  local meta = doc.meta
  local draft = meta_true(meta, 'bibkit-draft')
  local fail_under = meta_value(meta, 'bibkit-fail-under')
  if not draft and (fail_under == nil or fail_under == false) then
    return nil -- nothing asked: the document is not touched
  end
  local map = read_map(meta_value(meta, 'bibkit-map') or 'claim-map.json')
  if fail_under ~= nil and fail_under ~= false then
    check_gate(map.summary, tostring(fail_under), meta_value(meta, 'bibkit-metric') or 'backed')
  end
  if not draft then return nil end
  local d = Draft.new(map)
  d:prepare(doc)
  local blocks = d:blocks(doc.blocks, true)
  blocks:insert(1, d:banner())
  if FORMAT:match('html') or FORMAT:match('epub') or FORMAT == 'revealjs' then
    local style = pandoc.RawBlock('html', CSS)
    if PANDOC_WRITER_OPTIONS.template then add_header(meta, style) else blocks:insert(1, style) end
  elseif FORMAT:match('latex') or FORMAT == 'beamer' then
    add_header(meta, pandoc.RawBlock('latex', LATEX_HEADER))
  end
  return pandoc.Pandoc(blocks, meta)
end
