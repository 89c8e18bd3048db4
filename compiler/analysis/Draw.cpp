// Graphviz rendering of layers, heads and MLPs.
#include "compiler/analysis/Draw.h"

#include "compiler/lang/Display.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace rasp;
using namespace rasp::analysis;
using graph::Node;
using graph::NodeKind;

namespace {

/// Escapes text for a double-quoted DOT string; `\l` ends a left-aligned line.
std::string escape(const std::string &text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (c == '\n') {
      out += "\\l";
      continue;
    }
    out += c;
  }
  return out;
}

std::string nodeId(const Node *node) { return "n" + std::to_string(node->id); }

class Drawer {
public:
  Drawer(const Analysis &analysis, eval::Evaluator &evaluator, llvm::raw_ostream &out)
      : analysis(analysis), evaluator(evaluator), out(out) {
    for (const auto &entry : analysis.depth)
      nodes.push_back(entry.first);
    std::sort(nodes.begin(), nodes.end(),
              [](const Node *a, const Node *b) { return a->id < b->id; });
  }

  void draw(const std::string &name) {
    out << "digraph \"" << escape(name) << "\" {\n"
        << "  rankdir=TB;\n  compound=true;\n"
        << "  node [shape=box, fontname=\"monospace\", fontsize=10];\n"
        << "  label=\"" << escape(name) << ": " << analysis.layerCount()
        << " layers\";\n  labelloc=t;\n";
    for (size_t i = 0; i < analysis.layers.size(); ++i)
      layer(i);
    edges();
    out << "}\n";
  }

private:
  std::string valueText(const Node *node) { return lang::sequenceText(evaluator.sequence(node)); }

  void sopNode(const Node *node, const char *style) {
    out << "      " << nodeId(node) << " [label=\"" << escape(node->name) << "\\l"
        << escape(valueText(node)) << "\\l\", " << style << "];\n";
  }

  /// A selector can be a head in several layers; each gets its own box.
  static std::string headId(size_t layer, const Node *selector) {
    return "h" + std::to_string(layer) + "_" + std::to_string(selector->id);
  }

  void headNode(size_t layer, const Node *selector) {
    const eval::SelectorMatrix &matrix = evaluator.selector(selector);
    std::string label = "head: " + selector->name + "\n";
    for (size_t q = 0; q < matrix.rows(); ++q) {
      std::string row;
      for (size_t k = 0; k < matrix.rows(); ++k)
        row += matrix.get(q, k) ? "1 " : ". ";
      label += row + "\n";
    }
    out << "      " << headId(layer, selector) << " [label=\"" << escape(label)
        << "\", style=filled, fillcolor=\"#dbe8fb\"];\n";
  }

  void layer(size_t i) {
    const Layer &layer = analysis.layers[i];
    out << "  subgraph cluster_layer" << i << " {\n    label=\"layer " << i
        << (i == 0 ? " (inputs and feed-forward)" : "") << "\";\n"
        << "    style=rounded;\n";
    if (i == 0) {
      for (const Node *node : nodes)
        if (node->kind == NodeKind::Tokens || node->kind == NodeKind::Indices)
          sopNode(node, "style=filled, fillcolor=\"#eeeeee\"");
    }
    if (!layer.heads.empty()) {
      out << "    subgraph cluster_attention" << i << " {\n      label=\"attention ("
          << layer.heads.size() << (layer.heads.size() == 1 ? " head" : " heads") << ")\";\n";
      for (const Node *head : layer.heads)
        headNode(i, head);
      for (const Node *node : layer.attention)
        sopNode(node, "style=filled, fillcolor=\"#f3f7fd\"");
      out << "    }\n";
    }
    if (!layer.mlp.empty()) {
      out << "    subgraph cluster_mlp" << i << " {\n      label=\"MLP\";\n";
      for (const Node *node : layer.mlp)
        sopNode(node, "style=filled, fillcolor=\"#fdf1dc\"");
      out << "    }\n";
    }
    out << "  }\n";
  }

  /// Edges: into each head from the s-ops its selector compares; into each
  /// aggregate or width from its layer's head (and an aggregate's values);
  /// into each map from its inputs.
  void edges() {
    for (size_t i = 0; i < analysis.layers.size(); ++i) {
      const Layer &layer = analysis.layers[i];
      for (const Node *head : layer.heads)
        for (const Node *source : compared(head))
          out << "  " << nodeId(source) << " -> " << headId(i, head) << ";\n";
      for (const Node *node : layer.attention) {
        out << "  " << headId(i, node->inputs[0]) << " -> " << nodeId(node) << ";\n";
        if (node->kind == NodeKind::Aggregate && node->inputs[1]->kind != NodeKind::Constant)
          out << "  " << nodeId(node->inputs[1]) << " -> " << nodeId(node) << ";\n";
      }
      for (const Node *node : layer.mlp)
        for (const Node *input : node->inputs)
          if (input->kind != NodeKind::Constant)
            out << "  " << nodeId(input) << " -> " << nodeId(node) << ";\n";
    }
  }

  /// The s-ops a selector compares, through and/or/not (constants left out).
  static std::vector<const Node *> compared(const Node *selector) {
    std::vector<const Node *> found, stack{selector};
    while (!stack.empty()) {
      const Node *node = stack.back();
      stack.pop_back();
      if (!node->isSelector()) {
        if (node->kind != NodeKind::Constant &&
            std::find(found.begin(), found.end(), node) == found.end())
          found.push_back(node);
        continue;
      }
      for (const Node *part : node->inputs)
        stack.push_back(part);
    }
    return found;
  }

  const Analysis &analysis;
  eval::Evaluator &evaluator;
  llvm::raw_ostream &out;
  std::vector<const Node *> nodes; ///< Every node below the root, by id.
};

} // namespace

void analysis::drawDot(const std::string &name, const Analysis &analysis,
                       eval::Evaluator &evaluator, llvm::raw_ostream &out) {
  Drawer(analysis, evaluator, out).draw(name);
}

namespace {

/// Writes `dot` to `target` as is; a write that fails is reported, never fatal.
DrawingResult writeText(const std::string &dot, const std::string &target) {
  std::error_code error;
  llvm::raw_fd_ostream file(target, error);
  if (error)
    return {false, "", "cannot write '" + target + "': " + error.message()};
  file << dot;
  file.close();
  if (file.has_error()) {
    std::string why = file.error().message();
    file.clear_error();
    return {false, "", "cannot write '" + target + "': " + why};
  }
  return {true, target, ""};
}

/// Writes all of `text` to `fd`, retrying short writes, until done or an
/// error (EPIPE when the reader has exited: SIGPIPE is ignored meanwhile).
void writeAll(int fd, llvm::StringRef text) {
  struct sigaction ignore = {}, old = {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &old);
  while (!text.empty()) {
    ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0)
      break;
    text = text.drop_front(static_cast<size_t>(written));
  }
  sigaction(SIGPIPE, &old, nullptr);
}

/// Runs Graphviz's `tool` as `dot -TFORMAT`, the DOT text on its standard input
/// (a pipe) and `output` as its standard output; returns its exit status, or
/// -1 if it could not be started or killed by a signal. Nothing is read
/// back and no file is made besides the one `output` was opened on.
int renderThroughPipe(const std::string &tool, const std::string &format, const std::string &dot,
                      int output) {
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0)
    return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, output, STDOUT_FILENO);
  std::string formatArg = "-T" + format;
  char *argv[] = {const_cast<char *>(tool.c_str()), const_cast<char *>(formatArg.c_str()), nullptr};
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, tool.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipeFds[0]);
  if (spawned != 0) {
    ::close(pipeFds[1]);
    return -1;
  }
  writeAll(pipeFds[1], dot); // A failure shows in dot's exit status.
  ::close(pipeFds[1]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

DrawingResult analysis::writeDrawing(const std::string &dot, const std::string &path,
                                     bool dotFallback) {
  if (!isDrawingPath(path))
    return {false, "",
            "cannot draw to '" + path + "': the file must end in .dot, .svg, .png or .pdf"};
  llvm::StringRef extension = llvm::sys::path::extension(path);
  if (extension == ".dot" || extension == ".gv")
    return writeText(dot, path);
  llvm::ErrorOr<std::string> tool = llvm::sys::findProgramByName("dot");
  if (!tool) {
    const char *missing = "Graphviz's dot is not installed (Debian package graphviz)";
    if (!dotFallback)
      return {false, "",
              "cannot draw '" + path + "': " + missing + "; a .dot file needs no Graphviz"};
    llvm::SmallString<256> dotPath(path);
    llvm::sys::path::replace_extension(dotPath, ".dot");
    DrawingResult text = writeText(dot, std::string(dotPath));
    if (text.ok)
      text.message = std::string(missing) + ": wrote " + text.path + " instead of " + path;
    return text;
  }
  int output = -1;
  if (std::error_code error = llvm::sys::fs::openFileForWrite(path, output))
    return {false, "", "cannot write '" + path + "': " + error.message()};
  int status = renderThroughPipe(*tool, extension.drop_front().str(), dot, output);
  bool closed = ::close(output) == 0;
  if (status != 0)
    return {false, "",
            "dot failed to draw '" + path + "'" +
                (status > 0 ? " (exit status " + std::to_string(status) + ")" : "")};
  if (!closed)
    return {false, "", "cannot write '" + path + "': " + std::strerror(errno)};
  return {true, path, ""};
}

bool analysis::isDrawingPath(llvm::StringRef path) {
  llvm::StringRef extension = llvm::sys::path::extension(path);
  return extension == ".dot" || extension == ".gv" || extension == ".svg" || extension == ".png" ||
         extension == ".pdf";
}
