package dev.apiary.impl.cdi;

import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Storages;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;

/** {@link Storages} from the extension's {@link StorageDirectory}: the references the workers use too. */
@ApplicationScoped
public class DirectoryStorages implements Storages {

    @Inject
    ApiaryExtension extension;

    @Override
    public List<JobStorage<?>> all() {
        StorageDirectory directory = extension.directory();
        return extension.storages().stream().<JobStorage<?>>map(directory::storage).toList();
    }
}
