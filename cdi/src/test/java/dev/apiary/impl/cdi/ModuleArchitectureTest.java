package dev.apiary.impl.cdi;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The CDI and MicroProfile module and the engine beneath it, checked together at every build: no package of either
 * takes part in a cycle (the engine's own check, in {@code impl}, cannot see this module's packages).
 */
class ModuleArchitectureTest {

    @Test
    void theModuleAndTheEngineFormNoPackageCycle() {
        // test classes out, whether from a test-classes folder or from impl's test jar (which verify packages)
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("dev.apiary.impl", "dev.apiary.testing");
        slices().matching("dev.apiary.(**)").should().beFreeOfCycles().check(classes);
    }
}
