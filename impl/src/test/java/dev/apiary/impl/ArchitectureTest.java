package dev.apiary.impl;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The shape of the engine, checked at every build: its packages form no cycle (a reader follows a job downwards,
 * source to worker to layers to storage), and the engine knows nothing of CDI, interceptors or MicroProfile.
 */
class ArchitectureTest {

    private static JavaClasses engine;

    @BeforeAll
    static void importMainClasses() {
        engine = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.apiary.impl", "dev.apiary.testing");
    }

    /** One slice per package under dev.apiary.impl (its root included) and one for dev.apiary.testing. */
    private static final SliceAssignment PACKAGES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass type) {
            String pkg = type.getPackageName();
            if (pkg.equals("dev.apiary.testing") || pkg.startsWith("dev.apiary.testing.")) {
                return SliceIdentifier.of("testing");
            }
            if (pkg.equals("dev.apiary.impl")) {
                return SliceIdentifier.of("impl");
            }
            if (pkg.startsWith("dev.apiary.impl.")) {
                String rest = pkg.substring("dev.apiary.impl.".length());
                int dot = rest.indexOf('.');
                return SliceIdentifier.of("impl." + (dot < 0 ? rest : rest.substring(0, dot)));
            }
            return SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "the packages of dev.apiary.impl and dev.apiary.testing";
        }
    };

    /**
     * CDI, interceptors and MicroProfile. Jakarta Concurrency shares CDI's package prefix but is a platform API the
     * engine may use: recurring schedules fire on its {@code CronTrigger}.
     */
    private static final DescribedPredicate<JavaClass> CONTAINER_API =
            resideInAnyPackage("jakarta.enterprise..", "jakarta.interceptor..", "org.eclipse.microprofile..")
                    .and(not(resideInAnyPackage("jakarta.enterprise.concurrent..")))
                    .as("are CDI, interceptor or MicroProfile classes");

    @Test
    void enginePackagesFormNoCycle() {
        ArchRule rule = slices().assignedFrom(PACKAGES).should().beFreeOfCycles();
        rule.check(engine);
    }

    @Test
    void engineDependsOnNoContainerApi() {
        // the CDI and MicroProfile door onto the engine is the module apiary-cdi, beside this one
        ArchRule rule = noClasses().should().dependOnClassesThat(CONTAINER_API);
        rule.check(engine);
    }
}
