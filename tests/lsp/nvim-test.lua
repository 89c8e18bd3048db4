-- The headless Neovim test: Neovim's own LSP client, started by the
-- editors/nvim configuration, talks to `rasp lsp` about a file with an
-- error. Run by nvim-test.sh, which sets RASP, RASP_REPO and RASP_FILE.
-- The file (a copy of Inputs/editor-test.rasp) is:
--   line 0: # example: "abc"
--   line 1: flip = select(indices, length - indices - 1, ==);
--   line 2: reversed = aggregate(flip, tokens);
--   line 3: broken = nothing + 1;
local failures = 0
local function check(cond, what)
  if not cond then
    failures = failures + 1
    io.stderr:write('FAIL: ' .. what .. '\n')
  end
end

vim.opt.runtimepath:append(os.getenv('RASP_REPO') .. '/editors/nvim')
vim.cmd('filetype off')
vim.cmd('filetype on')
require('rasp_lsp').setup({ cmd = { os.getenv('RASP'), 'lsp' } })
vim.cmd('edit ' .. os.getenv('RASP_FILE'))
local buf = vim.api.nvim_get_current_buf()
check(vim.bo[buf].filetype == 'rasp', 'the ftdetect file sets filetype rasp')

-- Diagnostics, through Neovim's diagnostic store.
local arrived = vim.wait(20000, function()
  return #vim.diagnostic.get(buf) > 0
end, 50)
check(arrived, 'diagnostics arrived')
local diags = vim.diagnostic.get(buf)
check(#diags == 1, 'one diagnostic, got ' .. #diags)
if diags[1] then
  check(diags[1].message == "undefined name 'nothing'", 'message: ' .. diags[1].message)
  check(diags[1].lnum == 3 and diags[1].col == 9, 'located at 3:9, got ' .. diags[1].lnum .. ':' .. diags[1].col)
  check(diags[1].severity == vim.diagnostic.severity.ERROR, 'an error')
end

local function ask(method, line, character)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = line, character = character },
  }
  local answers = vim.lsp.buf_request_sync(buf, method, params, 10000) or {}
  for _, answer in pairs(answers) do
    if answer.result then
      return answer.result
    end
  end
  return nil
end

-- Hover on `reversed`: its value on "abc" and its layers.
local hover = ask('textDocument/hover', 2, 3)
local text = hover and hover.contents and hover.contents.value or ''
check(text:find('[c, b, a]', 1, true) ~= nil, 'hover shows the value on "abc": ' .. text)
check(text:find('layer 2', 1, true) ~= nil, 'hover shows the layer: ' .. text)

-- Definition of `flip` (used on line 2) is on line 0... of the binding, line 1.
local def = ask('textDocument/definition', 2, 22)
if def and def[1] then
  def = def[1]
end
check(def and def.range and def.range.start.line == 1 and def.range.start.character == 0,
  'definition of flip at 1:0: ' .. vim.inspect(def))
-- Definition of `length` is in the standard library.
def = ask('textDocument/definition', 1, 24)
if def and def[1] then
  def = def[1]
end
check(def and def.uri and def.uri:find('stdlib/rasplib.rasp', 1, true) ~= nil,
  'definition of length in the standard library: ' .. vim.inspect(def))

if failures > 0 then
  io.stderr:write(failures .. ' check(s) failed\n')
  vim.cmd('cquit 1')
end
io.stderr:write('all Neovim checks passed\n')
vim.cmd('qall!')
