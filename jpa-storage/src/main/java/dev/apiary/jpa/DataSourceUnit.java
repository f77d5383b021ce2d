package dev.apiary.jpa;

import dev.apiary.ConfigurationException;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.SharedCacheMode;
import jakarta.persistence.ValidationMode;
import jakarta.persistence.spi.PersistenceProvider;
import jakarta.persistence.spi.PersistenceProviderResolverHolder;
import jakarta.persistence.spi.PersistenceUnitInfo;

import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Apiary's persistence unit on a data source named by configuration, built by the server's JPA provider through its
 * container contract ({@link PersistenceProvider#createContainerEntityManagerFactory}) as the server builds the
 * shipped unit {@value DefaultJpaStorageFactory#UNIT}. A container-managed unit cannot take its data source from
 * MicroProfile Config, so the default storage builds this one itself.
 *
 * <p>JTA needs the provider to know the server's transaction manager, which the server tells it only for units it
 * deploys. This class names the server's platform, found by what the platform itself needs: WildFly's
 * {@code java:jboss/TransactionManager}, GlassFish's and Payara's {@code java:appserver/TransactionManager}, Open
 * Liberty's transaction manager factory class. Hibernate elsewhere resolves the platform on its own.
 */
final class DataSourceUnit {

    private static final String HIBERNATE_PLATFORM = "hibernate.transaction.jta.platform";
    private static final String ECLIPSELINK_SERVER = "eclipselink.target-server";
    private static final String JBOSS_TM = "java:jboss/TransactionManager";
    private static final String GLASSFISH_TM = "java:appserver/TransactionManager";
    private static final String LIBERTY_TM_FACTORY = "com.ibm.tx.jta.TransactionManagerFactory";

    private DataSourceUnit() {
    }

    /** The unit {@code apiary@<jndiName>} on {@code dataSource}, with JTA transactions. */
    static EntityManagerFactory create(String jndiName, DataSource dataSource, String key) {
        return create(provider(jndiName, key), jndiName, dataSource, key);
    }

    /** The same, with {@code provider}. */
    static EntityManagerFactory create(PersistenceProvider provider, String jndiName, DataSource dataSource,
                                       String key) {
        String providerName = provider.getClass().getName();
        Map<String, Object> properties = new HashMap<>();
        // the properties of the shipped unit (META-INF/persistence.xml)
        properties.put("hibernate.jdbc.batch_size", "100");
        properties.put("eclipselink.jdbc.batch-writing", "JDBC");
        ClassLoader loader = new ProviderVisibleLoader(DataSourceUnit.class.getClassLoader(),
                provider.getClass().getClassLoader());
        if (providerName.startsWith("org.eclipse.persistence")) {
            properties.put(ECLIPSELINK_SERVER, eclipseLinkServer(provider, jndiName, key));
            // the entity classes are loaded already (this jar uses them), so there is nothing left to weave
            properties.put("eclipselink.weaving", "false");
        } else if (providerName.startsWith("org.hibernate") && bound(JBOSS_TM)) {
            // WildFly gives the platform only to units it deploys; this one finds the same transaction manager
            properties.put(HIBERNATE_PLATFORM,
                    "org.hibernate.engine.transaction.jta.platform.internal.JBossAppServerJtaPlatform");
        }
        PersistenceUnitInfo info = info("apiary@" + jndiName, providerName, dataSource, loader);
        try {
            return provider.createContainerEntityManagerFactory(info, properties);
        } catch (RuntimeException e) {
            throw new ConfigurationException("Apiary's default storage cannot build its persistence unit on the data"
                    + " source " + jndiName + " (" + key + ") with " + providerName + ": " + e.getMessage()
                    + ". Produce a JobStorage bean with JpaJobStorage.builder(entityManagerFactory) on a unit of"
                    + " your own instead", e);
        }
    }

    private static PersistenceProvider provider(String jndiName, String key) {
        List<PersistenceProvider> providers =
                PersistenceProviderResolverHolder.getPersistenceProviderResolver().getPersistenceProviders();
        if (providers.isEmpty()) {
            throw new ConfigurationException(key + "=" + jndiName + " needs a JPA provider to build Apiary's"
                    + " persistence unit, but this application sees none (on Open Liberty, add the persistence"
                    + " feature to server.xml)");
        }
        return providers.get(0);
    }

    private static String eclipseLinkServer(PersistenceProvider provider, String jndiName, String key) {
        if (bound(GLASSFISH_TM)) {
            return "Glassfish";
        }
        if (bound(JBOSS_TM)) {
            return "JBoss";
        }
        try {
            Class.forName(LIBERTY_TM_FACTORY, false, provider.getClass().getClassLoader());
            return "WebSphere_Liberty";
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ConfigurationException(key + "=" + jndiName + ": Apiary cannot tell EclipseLink which server's"
                    + " transaction manager to use here (it knows GlassFish, Payara, WildFly and Open Liberty)."
                    + " Produce a JobStorage bean with JpaJobStorage.builder(entityManagerFactory) on a unit of your"
                    + " own instead", e);
        }
    }

    private static boolean bound(String name) {
        try {
            return new InitialContext().lookup(name) != null;
        } catch (NamingException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The unit's description. A proxy rather than a class: Jakarta Persistence 3.2 added methods to this interface
     * and servers ship 3.1 or 3.2, so one compiled class could not implement both.
     */
    private static PersistenceUnitInfo info(String name, String providerName, DataSource dataSource,
                                            ClassLoader loader) {
        List<String> classes = List.of(JobEntity.class.getName(), WorkerEntity.class.getName(),
                ScheduleEntity.class.getName(), PausedQueueEntity.class.getName(), FlowEntity.class.getName(),
                FlowJobEntity.class.getName(), FlowEdgeEntity.class.getName(), QueueLimitEntity.class.getName());
        URL root = DataSourceUnit.class.getProtectionDomain().getCodeSource() == null ? null
                : DataSourceUnit.class.getProtectionDomain().getCodeSource().getLocation();
        return (PersistenceUnitInfo) Proxy.newProxyInstance(PersistenceUnitInfo.class.getClassLoader(),
                new Class<?>[] {PersistenceUnitInfo.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getPersistenceUnitName" -> name;
                    case "getPersistenceProviderClassName" -> providerName;
                    case "getTransactionType" -> transactionType(method.getReturnType());
                    case "getJtaDataSource" -> dataSource;
                    case "getManagedClassNames" -> classes;
                    case "excludeUnlistedClasses" -> true;
                    case "getSharedCacheMode" -> SharedCacheMode.NONE;
                    case "getValidationMode" -> ValidationMode.NONE;
                    case "getProperties" -> new Properties();
                    case "getPersistenceXMLSchemaVersion" -> "3.0";
                    case "getClassLoader", "getNewTempClassLoader" -> loader;
                    case "getPersistenceUnitRootUrl" -> root;
                    case "getMappingFileNames", "getJarFileUrls", "getQualifierAnnotationNames" -> List.of();
                    case "toString" -> "PersistenceUnitInfo[" + name + "]";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> null;  // addTransformer (nothing to weave), getNonJtaDataSource, getScopeAnnotationName
                });
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object transactionType(Class<?> enumType) {
        return Enum.valueOf((Class<? extends Enum>) enumType, "JTA");
    }

    /**
     * The application's classes first, then the provider's: providers load their server platform class through the
     * unit's loader, and on Open Liberty the application does not see EclipseLink's classes.
     */
    private static final class ProviderVisibleLoader extends ClassLoader {

        private final ClassLoader provider;

        ProviderVisibleLoader(ClassLoader application, ClassLoader provider) {
            super(application);
            this.provider = provider;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (provider == null) {
                throw new ClassNotFoundException(name);
            }
            return provider.loadClass(name);
        }

        @Override
        protected URL findResource(String name) {
            return provider == null ? null : provider.getResource(name);
        }
    }
}
