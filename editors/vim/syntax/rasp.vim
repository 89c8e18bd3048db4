" Vim syntax file for RASP, the language of "Thinking Like Transformers".
" Groups: raspComment, raspString, raspNumber, raspKeyword, raspBuiltin,
" raspConstant, raspFunction (the name after def), raspOperator.
if exists("b:current_syntax")
  finish
endif

syntax keyword raspKeyword def return for in if else and or not load draw
syntax keyword raspKeyword set show example examples on off exit quit
syntax keyword raspBuiltin select aggregate range zip len round indicator
syntax keyword raspBuiltin selector_width categorical numerical
syntax keyword raspConstant True False tokens indices tokens_str tokens_int
syntax keyword raspConstant tokens_float tokens_bool tokens_asis
syntax match raspNumber "\<\d\+\(\.\d*\)\=\([eE][+-]\=\d\+\)\=\>"
syntax match raspNumber "\.\d\+\([eE][+-]\=\d\+\)\=\>"
syntax match raspOperator "==\|!=\|<=\|>=\|[-+*/%<>=]"
syntax region raspString start=+"+ end=+"+ end=+$+ oneline
syntax match raspFunction "\(\<def\s\+\)\@<=\h\w*"
syntax match raspComment "#.*$" contains=raspTodo
syntax keyword raspTodo TODO FIXME XXX contained

highlight default link raspKeyword Keyword
highlight default link raspBuiltin Function
highlight default link raspConstant Constant
highlight default link raspNumber Number
highlight default link raspOperator Operator
highlight default link raspString String
highlight default link raspFunction Function
highlight default link raspComment Comment
highlight default link raspTodo Todo

let b:current_syntax = "rasp"
