" `rasp lsp` for RASP buffers in Vim, with the common LSP plugins. Source
" this file from your vimrc after the plugin, with editors/vim on the
" runtimepath (for ftdetect and syntax):
"   set runtimepath+=/path/to/rasp/editors/vim
"   source /path/to/rasp/editors/vim/lsp.vim
" Set g:rasp_lsp_command first when `rasp` is not on the PATH.
let s:command = get(g:, 'rasp_lsp_command', ['rasp', 'lsp'])

" vim-lsp (prabirshrestha/vim-lsp)
if exists('*lsp#register_server')
  augroup rasp_lsp
    autocmd!
    autocmd User lsp_setup call lsp#register_server({
          \ 'name': 'rasp',
          \ 'cmd': {server_info -> s:command},
          \ 'allowlist': ['rasp'],
          \ })
  augroup END
endif

" ALE (dense-analysis/ale)
if exists('*ale#linter#Define')
  call ale#linter#Define('rasp', {
        \ 'name': 'rasp_lsp',
        \ 'lsp': 'stdio',
        \ 'executable': s:command[0],
        \ 'command': join(map(copy(s:command), 'shellescape(v:val)')),
        \ 'project_root': {buffer -> fnamemodify(bufname(buffer), ':p:h')},
        \ })
endif

" coc.nvim: add to coc-settings.json (:CocConfig) instead:
"   "languageserver": { "rasp": { "command": "rasp", "args": ["lsp"],
"                                 "filetypes": ["rasp"] } }
