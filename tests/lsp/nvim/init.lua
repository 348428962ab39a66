-- Headless Neovim running hotbed's language server as docs/neovim.md configures it: break a module,
-- fix it, record what Neovim shows. Reads its inputs from the JSON file named by $HOTBED_PARAMS
-- (`config` is the documentation's Lua, extracted by the test) and writes its results to params.out.
local params = vim.json.decode(table.concat(vim.fn.readfile(vim.env.HOTBED_PARAMS), "\n"))
local results = { steps = {} }

local function finish(err)
  results.error = err
  vim.fn.writefile({ vim.json.encode(results) }, params.out)
  vim.cmd("qa!")
end

dofile(params.config) -- vim.lsp.config("hotbed", ...), vim.lsp.enable("hotbed") and the statusline, as documented

local function state()
  return vim.g.hotbed_status ~= nil and vim.g.hotbed_status.state or nil
end

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

local function record(buf)
  table.insert(results.steps, {
    diagnostics = hotbed_diagnostics(buf),
    status = vim.g.hotbed_status,
    statusline = _G.hotbed_statusline(),
  })
end

local function run()
  vim.cmd.edit(params.file)
  local buf = vim.api.nvim_get_current_buf()
  if not wait("the dev server", function()
    return state() == "ok"
  end) then
    return
  end

  -- 1. a syntax error on a new last line: Neovim shows a reload-error there, the status says error
  vim.api.nvim_buf_set_lines(buf, -1, -1, false, { params.broken })
  vim.cmd.write()
  if not wait("a reload-error", function()
    return #hotbed_diagnostics(buf) > 0 and state() == "error"
  end) then
    return
  end
  record(buf)

  -- 2. the fixed, edited module: the diagnostic goes away and the dev server reloads it
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, params.fixed)
  vim.cmd.write()
  if not wait("the fix to reload", function()
    return state() == "ok" and #hotbed_diagnostics(buf) == 0
  end) then
    return
  end
  record(buf)

  -- 3. `.env` (filetype sh) reaches the server too: its save restarts the dev server's worker
  vim.cmd.edit(params.env)
  local env = vim.api.nvim_get_current_buf()
  if not wait("the language server on .env", function()
    return #vim.lsp.get_clients({ bufnr = env, name = "hotbed" }) > 0
  end) then
    return
  end
  vim.api.nvim_buf_set_lines(env, -1, -1, false, { "GREETING=changed" })
  vim.cmd.write()
  results.env_filetype = vim.bo[env].filetype
  finish(nil)
end

vim.schedule(function()
  local ok, err = pcall(run)
  if not ok then
    finish(tostring(err))
  end
end)
