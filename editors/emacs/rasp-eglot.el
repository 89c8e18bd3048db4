;;; rasp-eglot.el --- Use `rasp lsp' for RASP buffers through eglot  -*- lexical-binding: t; -*-

;; In your init file, after rasp-mode.el is on `load-path':
;;   (require 'rasp-mode)
;;   (require 'rasp-eglot)
;; then M-x eglot in a .rasp buffer, or start it for every RASP buffer:
;;   (add-hook 'rasp-mode-hook #'eglot-ensure)
;; Set `rasp-eglot-program' when `rasp' is not on the PATH.

;;; Code:

(require 'eglot)

(defvar rasp-eglot-program "rasp"
  "The `rasp' program that serves RASP buffers.")

(add-to-list 'eglot-server-programs
             `(rasp-mode . ,(lambda (&rest _) (list rasp-eglot-program "lsp"))))

(provide 'rasp-eglot)
;;; rasp-eglot.el ends here
