#include "plugin_host/elf_file.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace neuroreg {

namespace {

// Sections larger than this are not a stamp or a name table of a plugin.
constexpr uint64_t kMaxSectionBytes = 64ull << 20;

class File {
 public:
  explicit File(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  bool is_open() const { return fd_ >= 0; }
  uint64_t size() const {
    struct stat st {};
    return ::fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  }
  // Reads exactly `bytes` at `offset`; false when that lies outside the file.
  bool read(uint64_t offset, uint64_t bytes, void* out) const {
    const uint64_t total = size();
    if (offset > total || bytes > total - offset) return false;
    auto* dst = static_cast<char*>(out);
    while (bytes > 0) {
      const ssize_t got = ::pread(fd_, dst, bytes, static_cast<off_t>(offset));
      if (got <= 0) return false;
      dst += got;
      offset += static_cast<uint64_t>(got);
      bytes -= static_cast<uint64_t>(got);
    }
    return true;
  }

 private:
  int fd_;
};

}  // namespace

absl::StatusOr<std::optional<std::string>> read_elf_section(const std::string& path,
                                                            const std::string& name) {
  File file(path);
  if (!file.is_open()) {
    return absl::NotFoundError(path + ": cannot open: " + std::strerror(errno));
  }
  auto bad = [&](const std::string& what) {
    return absl::InvalidArgumentError(path + ": not a valid shared library (" + what + ")");
  };
  Elf64_Ehdr header{};
  if (!file.read(0, sizeof header, &header)) return bad("shorter than an ELF header");
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) return bad("no ELF magic");
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB) {
    return bad("not a 64-bit little-endian ELF file");
  }
  if (header.e_type != ET_DYN) return bad("not a shared object");
  if (header.e_shentsize != sizeof(Elf64_Shdr)) return bad("unexpected section header size");
  if (header.e_shnum == 0 || header.e_shstrndx >= header.e_shnum) {
    return bad("no section name table");
  }
  std::vector<Elf64_Shdr> sections(header.e_shnum);
  if (!file.read(header.e_shoff, uint64_t{header.e_shnum} * sizeof(Elf64_Shdr), sections.data())) {
    return bad("section headers lie outside the file");
  }
  auto contents = [&](const Elf64_Shdr& section, std::string& out) {
    if (section.sh_type == SHT_NOBITS || section.sh_size > kMaxSectionBytes) return false;
    out.resize(section.sh_size);
    return file.read(section.sh_offset, section.sh_size, out.data());
  };
  std::string names;
  if (!contents(sections[header.e_shstrndx], names)) {
    return bad("section name table lies outside the file");
  }
  for (const Elf64_Shdr& section : sections) {
    if (section.sh_name >= names.size()) return bad("a section name lies outside its table");
    // strnlen: the table need not end with a terminator in a damaged file.
    const char* start = names.data() + section.sh_name;
    const std::string section_name(start, strnlen(start, names.size() - section.sh_name));
    if (section_name != name) continue;
    std::string bytes;
    if (!contents(section, bytes)) return bad("section " + name + " lies outside the file");
    return std::optional<std::string>(std::move(bytes));
  }
  return std::optional<std::string>();
}

}  // namespace neuroreg
