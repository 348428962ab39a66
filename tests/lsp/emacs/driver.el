;;; driver.el --- Emacs in batch mode running hotbed's language server as docs/emacs.md configures it  -*- lexical-binding: t -*-
;; Break a module, fix it, record what Emacs shows. Inputs come from the JSON file named by
;; $HOTBED_PARAMS (`config' is the documentation's Lisp, extracted by the test); results go
;; to the file named by its `out'.

(require 'json)
(require 'flymake)

(defvar hotbed-params
  (with-temp-buffer
    (insert-file-contents (getenv "HOTBED_PARAMS"))
    (json-parse-buffer :object-type 'alist)))
(defvar hotbed-results nil)

(defun hotbed-param (key) (alist-get key hotbed-params))

(defun hotbed-finish (err)
  (with-temp-file (hotbed-param 'out)
    (insert (json-encode (list (cons 'error err) (cons 'steps (vconcat (reverse hotbed-results)))))))
  (kill-emacs 0))

(defun hotbed-wait (what condition)
  "Let processes run until CONDITION holds; finish with an error after 30 s."
  (let ((deadline (+ (float-time) 30)))
    (while (and (not (funcall condition)) (< (float-time) deadline))
      (accept-process-output nil 0.02))
    (unless (funcall condition)
      (hotbed-finish (format "timed out waiting for %s; last status: %S" what hotbed-status)))))

(defun hotbed-state () (plist-get hotbed-status :state))

(defun hotbed-diagnostics ()
  "hotbed's flymake diagnostics in the current buffer: (code line column) each, 0-based."
  (flymake-start)
  (accept-process-output nil 0.02)
  (mapcar (lambda (d)
            (save-excursion
              (goto-char (flymake-diagnostic-beg d))
              (list (flymake-diagnostic-text d) (1- (line-number-at-pos)) (current-column))))
          (flymake-diagnostics)))

(defun hotbed-record ()
  (push (list (cons 'diagnostics (vconcat (mapcar #'vconcat (hotbed-diagnostics))))
              (cons 'state (hotbed-state))
              (cons 'message (plist-get hotbed-status :message))
              (cons 'modeline (or (hotbed-mode-line) "")))
        hotbed-results))

(condition-case err
    (progn
      (load (hotbed-param 'config) nil t)
      (find-file (hotbed-param 'file))
      (apply #'eglot (eglot--guess-contact))
      (hotbed-wait "the dev server" (lambda () (equal (hotbed-state) "ok")))
      ;; 1. a syntax error on a new last line
      (goto-char (point-max))
      (insert (hotbed-param 'broken) "\n")
      (save-buffer)
      (hotbed-wait "a reload error" (lambda () (and (equal (hotbed-state) "error") (hotbed-diagnostics))))
      (hotbed-record)
      ;; 2. the fixed, edited module
      (erase-buffer)
      (insert (hotbed-param 'fixed))
      (save-buffer)
      (hotbed-wait "the fix to reload" (lambda () (and (equal (hotbed-state) "ok") (null (hotbed-diagnostics)))))
      (hotbed-record)
      (hotbed-finish nil))
  (error (hotbed-finish (format "%S" err))))
