;;; rasp-mode.el --- Major mode for RASP, the language of "Thinking Like Transformers"  -*- lexical-binding: t; -*-

;; Put this directory on `load-path' and (require 'rasp-mode); .rasp files
;; then open in `rasp-mode'.  For the language server, see rasp-eglot.el.

;;; Code:

(defgroup rasp nil
  "RASP, the language of \"Thinking Like Transformers\"."
  :group 'languages)

(defcustom rasp-indent-offset 2
  "Columns per level of braces in RASP code."
  :type 'integer
  :group 'rasp)

(defconst rasp-keywords
  '("def" "return" "for" "in" "if" "else" "and" "or" "not" "load" "draw"
    "set" "show" "example" "examples" "on" "off" "exit" "quit")
  "The keywords of RASP.")

(defconst rasp-builtins
  '("select" "aggregate" "range" "zip" "len" "round" "indicator"
    "selector_width" "categorical" "numerical")
  "The built-in operations of RASP.")

(defconst rasp-constants
  '("True" "False" "tokens" "indices" "tokens_str" "tokens_int"
    "tokens_float" "tokens_bool" "tokens_asis")
  "The built-in constants and s-ops of RASP.")

(defconst rasp-font-lock-keywords
  `((,(regexp-opt rasp-keywords 'symbols) . font-lock-keyword-face)
    (,(regexp-opt rasp-builtins 'symbols) . font-lock-builtin-face)
    (,(regexp-opt rasp-constants 'symbols) . font-lock-constant-face)
    ("\\_<def\\s-+\\(\\(?:\\sw\\|\\s_\\)+\\)" 1 font-lock-function-name-face)
    ("^\\s-*\\(\\(?:\\sw\\|\\s_\\)+\\)\\s-*=[^=]" 1 font-lock-variable-name-face)
    ("\\_<[0-9]+\\(?:\\.[0-9]*\\)?\\(?:[eE][-+]?[0-9]+\\)?\\_>" . 'font-lock-constant-face))
  "What `rasp-mode' highlights.")

(defvar rasp-mode-syntax-table
  (let ((table (make-syntax-table)))
    (modify-syntax-entry ?# "<" table)
    (modify-syntax-entry ?\n ">" table)
    (modify-syntax-entry ?\" "\"" table)
    (modify-syntax-entry ?' "." table)
    (modify-syntax-entry ?_ "_" table)
    (dolist (c '(?+ ?- ?* ?/ ?% ?< ?> ?= ?!))
      (modify-syntax-entry c "." table))
    table)
  "Syntax table of `rasp-mode'.")

(defun rasp-indent-line ()
  "Indent the current line by the braces open before it."
  (interactive)
  (let* ((depth (save-excursion (car (syntax-ppss (line-beginning-position)))))
         (closing (save-excursion (back-to-indentation) (looking-at "}")))
         (column (* rasp-indent-offset (max 0 (if closing (1- depth) depth)))))
    (if (<= (current-column) (current-indentation))
        (indent-line-to column)
      (save-excursion (indent-line-to column)))))

;;;###autoload
(define-derived-mode rasp-mode prog-mode "RASP"
  "Major mode for RASP programs."
  :syntax-table rasp-mode-syntax-table
  (setq-local comment-start "# ")
  (setq-local comment-start-skip "#+\\s-*")
  (setq-local font-lock-defaults '(rasp-font-lock-keywords))
  (setq-local indent-line-function #'rasp-indent-line))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.rasp\\'" . rasp-mode))

(provide 'rasp-mode)
;;; rasp-mode.el ends here
