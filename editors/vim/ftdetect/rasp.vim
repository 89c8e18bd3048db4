" RASP files (the language of "Thinking Like Transformers").
autocmd BufRead,BufNewFile *.rasp setfiletype rasp
