#include "plugin_host/plugin_loader.h"

#include <gtest/gtest.h>
#include <neuroreg/sdk/version.h>

#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

using sdk::ComponentKind;

std::string test_plugin(const std::string& name) {
  return std::string(NEUROREG_TEST_PLUGIN_DIR) + "/test_plugin_" + name + ".so";
}

TEST(PluginLoader, LoadsEveryBuiltinPlugin) {
  Registry registry;
  PluginLoader loader(registry);
  EXPECT_TRUE(loader.load_directory(NEUROREG_PLUGIN_DIR).empty());
  EXPECT_NE(registry.find(ComponentKind::kRegularizer, "none"), nullptr);
  EXPECT_NE(registry.find(ComponentKind::kRegularizer, "pixel"), nullptr);
  EXPECT_NE(registry.find(ComponentKind::kBackbone, "resnet18"), nullptr);
  EXPECT_NE(registry.find(ComponentKind::kDataset, "fashion_mnist"), nullptr);
  const RegisteredComponent& pixel = registry.get(ComponentKind::kRegularizer, "pixel");
  EXPECT_NE(pixel.source.find("neuroreg_regularizer_pixel.so"), std::string::npos);
}

TEST(PluginLoader, LoadsAValidPluginAndRecordsItsName) {
  Registry registry;
  PluginLoader loader(registry);
  ASSERT_TRUE(loader.load_file(test_plugin("good")).ok());
  ASSERT_EQ(loader.loaded().size(), 1u);
  EXPECT_EQ(loader.loaded()[0].name, "test_good");
  EXPECT_EQ(loader.loaded()[0].version, "1.2.3");
  EXPECT_NE(registry.find(ComponentKind::kRegularizer, "test_good"), nullptr);
  // Loading the same file again is a no-op, not a duplicate registration.
  EXPECT_TRUE(loader.load_file(test_plugin("good")).ok());
}

TEST(PluginLoader, RefusesAPluginBuiltForAnotherSdkVersion) {
  Registry registry;
  PluginLoader loader(registry);
  absl::Status status = loader.load_file(test_plugin("wrong_version"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(), test_plugin("wrong_version") +
                                  ": built against NeuroReg SDK version 99, but this host has "
                                  "SDK version " +
                                  std::to_string(NEUROREG_SDK_VERSION) +
                                  "; rebuild the plugin against this SDK");
  EXPECT_TRUE(loader.loaded().empty());
}

TEST(PluginLoader, RefusesAnEntryWithoutRegistrationFunction) {
  Registry registry;
  PluginLoader loader(registry);
  absl::Status status = loader.load_file(test_plugin("null_register"));
  EXPECT_EQ(status.message(),
            test_plugin("null_register") + ": broken entry point (no registration function)");
}

TEST(PluginLoader, ReportsARegistrationThatThrows) {
  Registry registry;
  PluginLoader loader(registry);
  absl::Status status = loader.load_file(test_plugin("throwing_register"));
  EXPECT_EQ(status.message(),
            test_plugin("throwing_register") + ": registration failed: cannot find my weights");
}

TEST(PluginLoader, RefusesALibraryWithoutEntryPoint) {
  Registry registry;
  PluginLoader loader(registry);
  absl::Status status = loader.load_file(test_plugin("no_entry"));
  EXPECT_EQ(status.message(),
            test_plugin("no_entry") +
                ": not a NeuroReg plugin (no .neuroreg_stamp section: not built with "
                "NEUROREG_PLUGIN, or built against an SDK older than version 4; rebuild it "
                "against this SDK)");
}

TEST(PluginLoader, ReportsAMissingFile) {
  Registry registry;
  PluginLoader loader(registry);
  EXPECT_EQ(loader.load_file("/nonexistent/plugin.so").message(),
            "/nonexistent/plugin.so: no such plugin file");
  auto errors = loader.load_directory("/nonexistent");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message(), "/nonexistent: plugin folder does not exist");
}

TEST(PluginLoader, RefusesADuplicateNameAndNamesBothFiles) {
  Registry registry;
  PluginLoader loader(registry);
  ASSERT_TRUE(loader.load_directory(NEUROREG_PLUGIN_DIR).empty());
  absl::Status status = loader.load_file(test_plugin("duplicate_none"));
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(test_plugin("duplicate_none") +
                                  ": registration failed: "
                                  "regularizer 'none' is already registered by "),
            std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("neuroreg_regularizer_none.so"), std::string::npos);
}

TEST(PluginLoader, KeepsLoadingTheOthersAfterFailures) {
  Registry registry;
  PluginLoader loader(registry);
  auto errors = loader.load_directory(NEUROREG_TEST_PLUGIN_DIR);
  // wrong_version, wrong_torch, wrong_abi, crashing_static, null_register,
  // throwing_register, no_entry fail; good and duplicate_none (alone here, so
  // not a duplicate) load.
  EXPECT_EQ(errors.size(), 7u);
  EXPECT_NE(registry.find(ComponentKind::kRegularizer, "test_good"), nullptr);
  EXPECT_NE(registry.find(ComponentKind::kRegularizer, "none"), nullptr);
}

TEST(Registry, UnknownNameListsTheRegisteredOnes) {
  const Registry& registry = testing::builtin_registry();
  try {
    registry.get(ComponentKind::kRegularizer, "pixl");
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown regularizer 'pixl'; registered: "),
              std::string::npos);
    EXPECT_NE(std::string(e.what()).find("pixel"), std::string::npos);
  }
}

}  // namespace
}  // namespace neuroreg
