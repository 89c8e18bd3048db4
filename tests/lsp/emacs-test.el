;;; emacs-test.el --- Emacs in batch: eglot talks to `rasp lsp'  -*- lexical-binding: t; -*-
;; Run by emacs-test.sh, which sets RASP, RASP_REPO and RASP_FILE (the same
;; file as the Neovim test: an undefined name `nothing' at line 4, column 10).

(require 'cl-lib)
(dolist (dir (file-expand-wildcards "/usr/share/emacs/site-lisp/elpa/*"))
  (add-to-list 'load-path dir))
(add-to-list 'load-path (expand-file-name "editors/emacs" (getenv "RASP_REPO")))
(require 'rasp-mode)
(require 'rasp-eglot)
(setq rasp-eglot-program (getenv "RASP"))
(setq eglot-sync-connect t)

(defvar failures 0)
(defun check (ok what)
  (unless ok
    (setq failures (1+ failures))
    (message "FAIL: %s" what)))

(defun wait-for (pred seconds)
  "Waits until PRED holds, at most SECONDS; its last value."
  (let ((deadline (+ (float-time) seconds)) (value nil))
    (while (and (not (setq value (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    value))

(find-file (getenv "RASP_FILE"))
(check (eq major-mode 'rasp-mode) "a .rasp file opens in rasp-mode")
;; `eglot-ensure' waits for the next command, which never comes in batch mode.
(apply #'eglot (eglot--guess-contact))
(check (wait-for #'eglot-current-server 20) "eglot connected")
(let ((diags (wait-for (lambda () (flymake-diagnostics)) 20)))
  (check (= (length diags) 1) (format "one diagnostic, got %S" diags))
  (when diags
    (let ((d (car diags)))
      (check (string-match-p "undefined name 'nothing'" (flymake-diagnostic-text d))
             (flymake-diagnostic-text d))
      (save-excursion
        (goto-char (flymake-diagnostic-beg d))
        (check (and (= (line-number-at-pos) 4) (= (current-column) 9))
               (format "located at 4:9, got %d:%d" (line-number-at-pos) (current-column)))))))

(defun ask (method line column)
  (save-excursion
    (goto-char (point-min))
    (forward-line (1- line))
    (forward-char column)
    (jsonrpc-request (eglot-current-server) method (eglot--TextDocumentPositionParams))))

(let* ((hover (ask :textDocument/hover 3 3))
       (text (or (plist-get (plist-get hover :contents) :value) "")))
  (check (string-match-p (regexp-quote "[c, b, a]") text) (format "hover value: %s" text))
  (check (string-match-p "layer 2" text) (format "hover layer: %s" text)))
(let* ((def (ask :textDocument/definition 3 22))
       (start (plist-get (plist-get def :range) :start)))
  (check (and start (= (plist-get start :line) 1) (= (plist-get start :character) 0))
         (format "definition of flip: %S" def)))

(ignore-errors (eglot-shutdown (eglot-current-server)))
(if (> failures 0)
    (progn (message "%d check(s) failed" failures) (kill-emacs 1))
  (message "all Emacs checks passed")
  (kill-emacs 0))
