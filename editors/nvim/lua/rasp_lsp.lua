-- Starts `rasp lsp` for every RASP buffer with Neovim's built-in LSP client
-- (Neovim 0.7 and later). In init.lua:
--
--   vim.opt.runtimepath:append('/path/to/rasp/editors/nvim')
--   require('rasp_lsp').setup({ cmd = { 'rasp', 'lsp' } })
--
-- Options: cmd (the server command), example (a RASP literal, the running
-- example of hovers when a file has no `# example:` comment).
local M = {}

function M.setup(opts)
  opts = opts or {}
  local cmd = opts.cmd or { 'rasp', 'lsp' }
  local init = {}
  if opts.example then
    init.example = opts.example
  end
  local client_id = nil
  vim.api.nvim_create_autocmd('FileType', {
    pattern = 'rasp',
    callback = function(args)
      if not client_id or not vim.lsp.get_client_by_id(client_id) then
        client_id = vim.lsp.start_client({
          name = 'rasp',
          cmd = cmd,
          root_dir = vim.fn.getcwd(),
          init_options = init,
        })
      end
      if client_id then
        vim.lsp.buf_attach_client(args.buf, client_id)
      end
    end,
  })
end

return M
