-- Headless Neovim driving hotbed's language server: break a module, fix it, record what Neovim shows.
-- Reads its inputs from the JSON file named by $HOTBED_PARAMS and writes its results to params.out.
local params = vim.json.decode(table.concat(vim.fn.readfile(vim.env.HOTBED_PARAMS), "\n"))
local results = { steps = {} }

local function finish(err)
  results.error = err
  vim.fn.writefile({ vim.json.encode(results) }, params.out)
  vim.cmd("qa!")
end

-- The configuration docs/neovim.md documents, with the interpreter of the test run.
vim.lsp.config("hotbed", {
  cmd = { params.python, "-m", "hotbed_lsp" },
  filetypes = { "python", "json" },
  root_markers = { "hotbed.toml", ".hotbed", "pyproject.toml" },
  handlers = {
    ["hotbed/status"] = function(_, status)
      vim.g.hotbed_status = status
      vim.g.hotbed_statuses = (vim.g.hotbed_statuses or 0) + 1
    end,
  },
})
vim.lsp.enable("hotbed")

local function wait(what, condition)
  if not vim.wait(30000, condition, 10) then
    finish("timed out waiting for " .. what .. "; last status: " .. vim.inspect(vim.g.hotbed_status))
    return false
  end
  return true
end

local function hotbed_diagnostics(buf)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.source == "hotbed" then
      table.insert(found, { code = d.code, lnum = d.lnum, col = d.col, message = d.message })
    end
  end
  return found
end

local function run()
  vim.cmd.edit(params.file)
  local buf = vim.api.nvim_get_current_buf()
  if not wait("the dev server", function()
    return vim.g.hotbed_status ~= nil and vim.g.hotbed_status.state == "ok"
  end) then
    return
  end

  -- 1. a syntax error: Neovim shows a reload-error on that line
  vim.api.nvim_buf_set_lines(buf, params.broken_line - 1, params.broken_line, false, { "x = (  # never closed" })
  vim.cmd.write()
  if not wait("a reload-error", function()
    return #hotbed_diagnostics(buf) > 0
  end) then
    return
  end
  table.insert(results.steps, { diagnostics = hotbed_diagnostics(buf), status = vim.g.hotbed_status })

  -- 2. the fixed, edited module: the diagnostic goes away and the dev server reloads it
  local seen = vim.g.hotbed_statuses
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, params.fixed)
  vim.cmd.write()
  if not wait("the fix to reload", function()
    local status = vim.g.hotbed_status
    return vim.g.hotbed_statuses > seen and status.state == "ok" and #hotbed_diagnostics(buf) == 0
  end) then
    return
  end
  table.insert(results.steps, { diagnostics = hotbed_diagnostics(buf), status = vim.g.hotbed_status })
  finish(nil)
end

vim.schedule(function()
  local ok, err = pcall(run)
  if not ok then
    finish(tostring(err))
  end
end)
